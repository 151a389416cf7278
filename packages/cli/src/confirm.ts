import { createInterface } from 'node:readline';
import { NotConfirmedError } from './cli-error.js';
import type { CliIo } from './cli-io.js';

/**
 * Asks a yes/no question on stderr and reads the answer from stdin. `--yes` skips the
 * question; without a terminal there is nobody to ask, so the action is refused (a script
 * must say --yes explicitly rather than pipe a "y").
 */
export async function confirm(
  io: CliIo,
  question: string,
  options: { yes: boolean; action: string },
): Promise<boolean> {
  if (options.yes) return true;
  if (!io.stdinIsTTY)
    throw new NotConfirmedError(
      `refusing to ${options.action} without confirmation: stdin is not a terminal; pass --yes to confirm`,
    );
  io.stderr.write(`${question} [y/N] `);
  const answer = await readLine(io.stdin, io.signal);
  return /^\s*y(es)?\s*$/i.test(answer ?? '');
}

function readLine(input: NodeJS.ReadableStream, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    const reader = createInterface({ input, terminal: false });
    let settled = false;
    const finish = (line: string | undefined) => {
      // close() emits 'close' synchronously: the first answer wins.
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(line);
      reader.close();
    };
    const onAbort = () => finish(undefined);
    reader.once('line', (line) => finish(line));
    reader.once('close', () => finish(undefined));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
