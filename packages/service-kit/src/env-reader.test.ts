import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { EnvReader } from './env-reader.js';

/** The problems a reader collected, as ConfigError lists them. */
function problems(read: EnvReader): readonly string[] {
  try {
    read.finish();
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'service-kit-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('EnvReader', () => {
  it('uses the fallback for unset and empty (or blank) variables', () => {
    const read = new EnvReader({ EMPTY: '', BLANK: '   ' });
    expect(read.string('EMPTY', 'a')).toBe('a');
    expect(read.integer('BLANK', 7)).toBe(7);
    expect(read.boolean('UNSET', true)).toBe(true);
    expect(read.optionalInteger('UNSET')).toBeUndefined();
    expect(read.clusterNodes('UNSET')).toBeUndefined();
    expect(read.pemFile('UNSET')).toBeUndefined();
    expect(problems(read)).toEqual([]);
  });

  it('reads valid values', () => {
    const read = new EnvReader({
      N: ' 42 ',
      B: 'Yes',
      L: 'debug',
      NAME: 'orders.v2_a-b',
      URL: 'rediss://user:pw@host:6380/1',
      NODES: 'a:7000, b:7001',
    });
    expect(read.integer('N', 0, { min: 1, max: 100 })).toBe(42);
    expect(read.boolean('B', false)).toBe(true);
    expect(read.logLevel('L', 'info')).toBe('debug');
    expect(read.name('NAME', 'x')).toBe('orders.v2_a-b');
    expect(read.redisUrl('URL', 'redis://x')).toBe('rediss://user:pw@host:6380/1');
    expect(read.clusterNodes('NODES')).toBe('a:7000, b:7001');
    expect(problems(read)).toEqual([]);
  });

  it('collects every problem, naming the variable, the expected form and what arrived', () => {
    const read = new EnvReader({
      N: '1.5',
      BIG: '99999999999999999999',
      B: 'maybe',
      L: 'loud',
      NAME: 'a b',
      NODES: 'a:0,b',
    });
    expect(read.integer('N', 3)).toBe(3);
    read.integer('BIG', 0);
    read.boolean('B', false);
    read.logLevel('L', 'info');
    read.name('NAME', 'x');
    read.clusterNodes('NODES');
    expect(problems(read)).toEqual([
      'N: expected an integer from 0 to 9007199254740991, got "1.5"',
      'BIG: expected an integer from 0 to 9007199254740991, got "99999999999999999999"',
      'B: expected true or false (also 1/0, yes/no, on/off), got "maybe"',
      'L: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      'NAME: expected 1-200 characters of A-Z a-z 0-9 . _ -, got "a b"',
      'NODES: expected host:port[,host:port...], got "a:0,b"',
    ]);
  });

  it('never echoes the password of a bad Redis URL', () => {
    const read = new EnvReader({ URL: 'http://admin:hunter2@host:6379' });
    read.redisUrl('URL', 'redis://x');
    const [problem] = problems(read);
    expect(problem).toMatch(/^URL: expected redis:\/\/\[user:password@\]host:port/);
    expect(problem).not.toContain('hunter2');
  });

  it('reads a PEM file, and names a missing or non-PEM one by its path only', () => {
    const pem = join(dir, 'ca.pem');
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const notPem = join(dir, 'secret.txt');
    writeFileSync(notPem, 'the-secret-contents');
    const read = new EnvReader({ CA: pem, MISSING: join(dir, 'nope.pem'), TEXT: notPem });
    expect(read.pemFile('CA')).toContain('BEGIN CERTIFICATE');
    expect(read.pemFile('MISSING')).toBeUndefined();
    expect(read.pemFile('TEXT')).toBeUndefined();
    const found = problems(read);
    expect(found[0]).toBe(
      `MISSING: expected the path of a readable PEM file (ENOENT), got ${JSON.stringify(join(dir, 'nope.pem'))}`,
    );
    expect(found[1]).toContain('TEXT: expected the path of a PEM file (no -----BEGIN line in it)');
    expect(found.join('\n')).not.toContain('the-secret-contents');
  });
});
