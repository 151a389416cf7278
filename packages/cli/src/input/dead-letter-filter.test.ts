import type { DeadLetter } from '@redstream/stream-client';
import { describe, expect, it } from 'vitest';
import { parseDeadLetterFilter } from './dead-letter-filter.js';

function deadLetter(
  overrides: Partial<DeadLetter> & { type?: string; key?: string | null },
): DeadLetter {
  const { type = 'order.paid', key = 'o-1', ...rest } = overrides;
  return {
    partition: 0,
    id: '1-0',
    reason: 'max-deliveries',
    error: 'Error: timeout after 5s',
    attempts: 5,
    originId: '0-1',
    group: 'billing',
    consumer: 'c1',
    failedAt: 1,
    envelope: [],
    event: {
      formatVersion: 1,
      id: 'e',
      type,
      key,
      schemaVersion: 1,
      contentType: 'json',
      headers: {},
      timestamp: 1,
      payload: null,
    },
    ...rest,
  };
}

describe('parseDeadLetterFilter', () => {
  it('is undefined without expressions', () => {
    expect(parseDeadLetterFilter([])).toBeUndefined();
  });

  it('ANDs conditions from repeated and comma-separated expressions', () => {
    const filter = parseDeadLetterFilter(['reason=max-deliveries,type=order.paid', 'key=o-1'])!;
    expect(filter(deadLetter({}))).toBe(true);
    expect(filter(deadLetter({ key: 'o-2' }))).toBe(false);
    expect(filter(deadLetter({ reason: 'non-retriable' }))).toBe(false);
  });

  it('supports != and ~ (contains), and values with commas', () => {
    expect(parseDeadLetterFilter(['error~timeout'])!(deadLetter({}))).toBe(true);
    expect(parseDeadLetterFilter(['group!=billing'])!(deadLetter({}))).toBe(false);
    expect(parseDeadLetterFilter(['key=a,b'])!(deadLetter({ key: 'a,b' }))).toBe(true);
    expect(parseDeadLetterFilter(['partition=2'])!(deadLetter({ partition: 2 }))).toBe(true);
  });

  it('never matches type/key of undecodable dead letters with =, always with !=', () => {
    const undecodable = { ...deadLetter({}), event: undefined };
    expect(parseDeadLetterFilter(['type=order.paid'])!(undecodable)).toBe(false);
    expect(parseDeadLetterFilter(['type!=order.paid'])!(undecodable)).toBe(true);
  });

  it('names the accepted fields on a bad expression', () => {
    expect(() => parseDeadLetterFilter(['colour=red'])).toThrow(
      '--filter: expected field=value, field!=value or field~text (contains), with field one of reason, type, key, group, consumer, error, partition, id, origin, received "colour=red"',
    );
  });
});
