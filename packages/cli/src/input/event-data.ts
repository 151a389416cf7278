import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CliError, InvalidInputError } from '../cli-error.js';

/** `--data '{"a":1}'`, `--data @order.json` or `--data @-` (stdin): parsed as JSON. */
export async function readEventData(
  text: string,
  cwd: string,
  stdin: NodeJS.ReadableStream,
): Promise<unknown> {
  let source = text;
  let origin = '--data';
  if (text.startsWith('@')) {
    const path = text.slice(1);
    origin = path === '-' ? '--data @- (stdin)' : `--data @${path}`;
    try {
      source = path === '-' ? await readAll(stdin) : await readFile(resolve(cwd, path), 'utf8');
    } catch (error) {
      throw new CliError(
        'CLI_DATA_UNREADABLE',
        `${origin}: cannot read ${path === '-' ? 'stdin' : resolve(cwd, path)}: ${(error as Error).message}`,
      );
    }
  }
  try {
    return JSON.parse(source);
  } catch (error) {
    throw new InvalidInputError(
      origin,
      `JSON (${(error as Error).message})`,
      source.length > 60 ? `${source.slice(0, 60)}…` : source,
    );
  }
}

/** `--header k=v` (repeatable) into a header map. */
export function parseHeaders(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new InvalidInputError('--header', 'name=value', value);
    headers[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return headers;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
