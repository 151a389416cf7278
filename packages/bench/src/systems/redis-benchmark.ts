import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { benchEvent } from '../bench-event.js';
import { rawFields } from './raw-entry.js';

const run = promisify(execFile);

/** Path of redis-benchmark (or valkey-benchmark) on PATH, or undefined. */
export function findRedisBenchmark(pathVariable = process.env.PATH ?? ''): string | undefined {
  for (const name of ['redis-benchmark', 'valkey-benchmark']) {
    for (const dir of pathVariable.split(delimiter)) {
      if (!dir) continue;
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export interface RedisBenchmarkRun {
  host: string;
  port: number;
  events: number;
  /** Commands per pipeline: the same batch as the other producers. */
  pipeline: number;
}

/**
 * The server's own ceiling for this entry: redis-benchmark (C, one connection like the other
 * producers) appending XADD with the same nine fields and payload, `pipeline` per round trip.
 * Returns requests per second as it reports them.
 */
export async function runRedisBenchmark(
  binary: string,
  options: RedisBenchmarkRun,
): Promise<number> {
  const fields = rawFields(benchEvent(1));
  const args = [
    '-h',
    options.host,
    '-p',
    String(options.port),
    '-n',
    String(options.events),
    '-c',
    '1',
    '-P',
    String(options.pipeline),
    '--csv',
    'XADD',
    'rb:stream',
    '*',
    ...fields,
  ];
  const { stdout } = await run(binary, args, { maxBuffer: 1 << 20, timeout: 120_000 });
  return parseRedisBenchmarkCsv(stdout);
}

/**
 * The rps column of redis-benchmark --csv. The test name column holds the command with its
 * arguments unquoted (JSON quotes and all), so the numbers are read from the end of the line.
 */
export function parseRedisBenchmarkCsv(output: string): number {
  for (const line of output.split('\n').reverse()) {
    const match = /"([\d.]+)"(?:,"[\d.]+"){6}\s*$/.exec(line);
    if (match) return Number(match[1]);
  }
  throw new Error(`redis-benchmark printed no result line:\n${output.slice(0, 500)}`);
}
