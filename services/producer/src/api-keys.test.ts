import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findApiKey, newApiKey, parseApiKeyLines, sha256Hex } from './api-keys.js';

describe('API keys', () => {
  it('finds a key by its hash only, and scopes it to its topics', () => {
    const { keys, problems } = parseApiKeyLines(
      `a:${sha256Hex('one')}\nb:${sha256Hex('two')}:orders, clicks\nc:${sha256Hex('three')}:*`,
    );
    expect(problems).toEqual([]);
    expect(findApiKey(keys, 'one')?.id).toBe('a');
    expect(findApiKey(keys, 'two')?.topics).toEqual(new Set(['orders', 'clicks']));
    expect(findApiKey(keys, 'three')?.topics).toBeUndefined();
    for (const wrong of ['', 'on', 'one ', 'ONE', sha256Hex('one')])
      expect(findApiKey(keys, wrong)).toBeUndefined();
  });

  it('reports bad lines by number, repeated ids, and bad topic lists', () => {
    const { keys, problems } = parseApiKeyLines(
      [
        `a:${sha256Hex('x')}`,
        'b:not-hex',
        `a:${sha256Hex('y')}`,
        `c:${sha256Hex('z')}:bad topic`,
        `d:${sha256Hex('w')}:t:extra`,
      ].join('\n'),
    );
    expect(keys.map((key) => key.id)).toEqual(['a']);
    expect(problems.map((problem) => problem.line)).toEqual([2, 3, 4, 5]);
    expect(problems[1]?.expected).toContain('a key id used once');
  });

  it('makes keys whose line finds them', () => {
    const made = newApiKey('ci', ['orders']);
    expect(made.key).toMatch(/^rsk_[A-Za-z0-9_-]{43}$/);
    expect(made.line).not.toContain(made.key);
    const { keys } = parseApiKeyLines(made.line);
    expect(findApiKey(keys, made.key)).toMatchObject({ id: 'ci' });
  });

  it('new-api-key writes the hashed line and the key to their files, once with --if-missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'new-api-key-'));
    const script = fileURLToPath(new URL('./new-api-key.ts', import.meta.url));
    const run = () =>
      execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          script,
          'demo',
          '--keys-file',
          join(dir, 'keys'),
          '--key-file',
          join(dir, 'demo.key'),
          '--if-missing',
        ],
        // tsx resolves from the package, wherever the test run started.
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          cwd: fileURLToPath(new URL('..', import.meta.url)),
        },
      );
    try {
      const printed = JSON.parse(run());
      expect(printed).not.toHaveProperty('key');
      run();
      const lines = readFileSync(join(dir, 'keys'), 'utf8').trim().split('\n');
      expect(lines).toHaveLength(1);
      const key = readFileSync(join(dir, 'demo.key'), 'utf8').trim();
      expect(findApiKey(parseApiKeyLines(lines[0]!).keys, key)?.id).toBe('demo');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
