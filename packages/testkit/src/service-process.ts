import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ProcessExitedError, TestkitError } from './errors.js';
import { waitFor } from './wait-for.js';

export interface SpawnServiceOptions {
  /** A label for messages, e.g. `consumer-2`. */
  name?: string;
  /** Added to the parent's env; a variable set to undefined is removed. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Lines kept in memory per process (oldest dropped first). */
  maxLines?: number;
  /** Called with every output line as it arrives (e.g. to forward logs). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A child process (a service replica, the demo, the CLI) with its output captured line by
 * line, so tests can wait for a log line, parse JSON logs, signal it and await its exit.
 */
export class ServiceProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly maxLines: number,
    onLine?: SpawnServiceOptions['onLine'],
  ) {
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': it fires once the output pipes are drained too, so every line the
      // process printed is in `lines` when `exited` resolves.
      child.once('close', (code, signal) => {
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
      child.once('error', () => {
        this.exitStatus = { code: null, signal: null };
        resolve(this.exitStatus);
      });
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (!source) continue;
      createInterface({ input: source }).on('line', (line) => {
        this.lines.push(line);
        if (this.lines.length > this.maxLines) this.lines.shift();
        onLine?.(line, stream);
      });
    }
  }

  static spawn(command: string, args: string[], options: SpawnServiceOptions = {}): ServiceProcess {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: mergeEnv(process.env, options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServiceProcess(
      options.name ?? command,
      child,
      options.maxLines ?? 5000,
      options.onLine,
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  get output(): string {
    return this.lines.join('\n');
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Lines that parse as JSON objects (pino logs), in order. */
  jsonLines<T = Record<string, unknown>>(): T[] {
    const parsed: T[] = [];
    for (const line of this.lines) {
      if (!line.startsWith('{')) continue;
      try {
        parsed.push(JSON.parse(line) as T);
      } catch {
        // a partial or non-JSON line
      }
    }
    return parsed;
  }

  /** Waits for an output line matching `pattern` and returns it. */
  waitForLine(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    return waitFor(
      () => {
        const line = this.lines.find((candidate) => pattern.test(candidate));
        if (line) return line;
        if (!this.running)
          throw new ProcessExitedError(
            `${this.name} exited (${describeExit(this.exitStatus)}) before printing ${pattern}; output:\n${this.tail()}`,
          );
        return undefined;
      },
      { description: `${this.name} to print ${pattern}`, timeoutMs },
    );
  }

  /** Waits for the process to exit; SIGKILLs it and throws when it does not in time. */
  async waitForExit(timeoutMs = 15_000): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.signal('SIGKILL');
      throw new TestkitError(
        'TESTKIT_PROCESS_HUNG',
        `${this.name} did not exit within ${timeoutMs} ms; output:\n${this.tail()}`,
      );
    }
    return result;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves with the exit status. */
  async stop(graceMs = 10_000): Promise<ExitStatus> {
    if (!this.running) return this.exitStatus!;
    this.signal('SIGTERM');
    try {
      return await this.waitForExit(graceMs);
    } catch {
      return this.exited;
    }
  }

  tail(lines = 40): string {
    return this.lines.slice(-lines).join('\n');
  }
}

/** The parent's env with `overrides` applied; an override set to undefined removes the variable. */
function mergeEnv(base: NodeJS.ProcessEnv, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...base };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

function describeExit(status: ExitStatus | undefined): string {
  if (!status) return 'running';
  return status.signal ? `signal ${status.signal}` : `code ${status.code}`;
}
