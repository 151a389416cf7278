import { describe, expect, it } from 'vitest';
import { keyKind, sumByKind } from './redis-memory.js';

describe('keyKind', () => {
  it('reads the kind of every key of the layout in stream-client keys.ts', () => {
    expect(keyKind('{rs:orders:12}:stream')).toBe('stream');
    expect(keyKind('{rs:orders:0}:lease:billing')).toBe('lease');
    expect(keyKind('{rs:orders:0}:epoch:billing')).toBe('epoch');
    expect(keyKind('{rs:orders:0}:runs:billing')).toBe('runs');
    expect(keyKind('{rs:orders:0}:done:billing')).toBe('done');
    expect(keyKind('{rs:orders:0}:pub:0192-abc')).toBe('pub');
    expect(keyKind('{rs:orders:0}:retry:billing')).toBe('retry');
    expect(keyKind('{rs:orders:0}:dlq')).toBe('dlq');
    expect(keyKind('{rs:orders}:meta')).toBe('meta');
    expect(keyKind('{rs:orders}:groups')).toBe('groups');
    expect(keyKind('{rs:orders}:group:billing:members')).toBe('members');
    expect(keyKind('{rs:orders}:group:billing:members:pulse')).toBe('pulse');
    expect(keyKind('rs:topics')).toBe('other');
    // A topic whose name ends in digits is still a topic key when no partition follows.
    expect(keyKind('{rs:orders-2024}:meta')).toBe('meta');
  });
});

describe('sumByKind', () => {
  it('adds the bytes and counts the keys of each kind', () => {
    expect(
      sumByKind([
        ['{rs:t:0}:lease:g', 104],
        ['{rs:t:1}:lease:g', 104],
        ['{rs:t:0}:stream', 680],
        ['rs:topics', 60],
      ]),
    ).toEqual({
      bytes: { lease: 208, stream: 680, other: 60 },
      keys: { lease: 2, stream: 1, other: 1 },
    });
  });
});
