/** Anything text can be written to: process.stdout, a test's capture buffer. */
export interface TextSink {
  write(chunk: string): unknown;
}

/**
 * Everything the CLI touches of its process, injected so the whole program runs in-process in
 * tests: output streams, stdin (for confirmations), the environment, the clock and a stop signal.
 */
export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  stdin: NodeJS.ReadableStream;
  /** Confirmation prompts need a person at a terminal; without one they refuse unless --yes. */
  stdinIsTTY: boolean;
  /** Progress bars are drawn only on a terminal (or when --progress forces them). */
  stderrIsTTY: boolean;
  /** `lag --watch` redraws the screen only on a terminal; elsewhere it appends. */
  stdoutIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** Directory that relative `@file` paths resolve against. */
  cwd: string;
  /** Aborted on SIGINT/SIGTERM: `tail` and `lag --watch` stop cleanly and exit. */
  signal: AbortSignal;
  now(): number;
}

/** The real process's streams, env and clock, with SIGINT/SIGTERM wired to `signal`. */
export function processIo(): CliIo {
  const controller = new AbortController();
  const stop = () => {
    // A second Ctrl-C while a command is stopping means "now".
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
    now: () => Date.now(),
  };
}
