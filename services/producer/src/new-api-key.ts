/**
 * `node dist/new-api-key.js <id> [--topics a,b] [--keys-file <path>] [--key-file <path>]
 * [--if-missing]`: makes a random API key. Prints `{ "id", "key", "line" }` on stdout; with
 * --keys-file the line (id:sha256:topics, never the key) is appended to that API_KEYS_FILE,
 * with --key-file the key itself goes to that file (mode 0600) instead of stdout, and
 * --if-missing does nothing when the key file exists already (docker compose runs it at every
 * `up`). The key is shown once: only its hash is stored.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { newApiKey } from './api-keys.js';

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      topics: { type: 'string' },
      'keys-file': { type: 'string' },
      'key-file': { type: 'string' },
      'if-missing': { type: 'boolean', default: false },
    },
  });
  const [id, ...extra] = positionals;
  if (!id || extra.length > 0 || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
    process.stderr.write(
      'usage: new-api-key <id> [--topics a,b] [--keys-file <path>] [--key-file <path>] [--if-missing]\n' +
        '  id: 1-64 characters of A-Z a-z 0-9 . _ -\n',
    );
    return 1;
  }
  const keyFile = values['key-file'];
  if (values['if-missing'] && keyFile && existsSync(keyFile)) {
    process.stderr.write(`new-api-key: ${keyFile} exists; nothing to do\n`);
    return 0;
  }
  const topics = values.topics?.split(',').map((topic) => topic.trim());
  const { key, line } = newApiKey(id, topics);
  if (values['keys-file']) appendFileSync(values['keys-file'], `${line}\n`, { mode: 0o600 });
  if (keyFile) {
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    process.stdout.write(`${JSON.stringify({ id, line, keyFile })}\n`);
  } else process.stdout.write(`${JSON.stringify({ id, key, line })}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
