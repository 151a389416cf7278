import { Readable } from 'node:stream';
import type { CliIo } from '../../src/cli-io.js';
import { runCli } from '../../src/program.js';

/** Parsed `--json` output: tests index into it freely and let the assertions check the shape. */
// biome-ignore lint/suspicious/noExplicitAny: JSON of any documented shape
export type Json = Record<string, any>;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON document. */
  json<T = Json>(): T;
  /** stdout parsed as NDJSON. */
  jsonLines<T = Json>(): T[];
}

export interface RunOptions {
  /** Text on stdin (answers to prompts, `--data @-`). */
  stdin?: string;
  stdinIsTTY?: boolean;
  stderrIsTTY?: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  cwd?: string;
}

/** Runs the program in-process with captured output, the way bin.ts runs it for real. */
export async function runInProcess(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    stdinIsTTY: options.stdinIsTTY ?? false,
    stderrIsTTY: options.stderrIsTTY ?? false,
    stdoutIsTTY: false,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal ?? new AbortController().signal,
    now: () => Date.now(),
  };
  const code = await runCli(argv, io);
  return {
    code,
    stdout,
    stderr,
    json: () => JSON.parse(stdout),
    jsonLines: () =>
      stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line)),
  };
}

/** A runner bound to one Redis: every call gets `--url`, as an operator's shell alias would. */
export function cliFor(url: string) {
  return (argv: string[], options: RunOptions = {}) =>
    runInProcess([...argv, '--url', url], options);
}
