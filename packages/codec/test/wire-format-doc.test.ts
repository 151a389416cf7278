import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCodec, type EventInput } from '../src/index.js';

/*
 * docs/wire-format.md shows a worked example as redis-cli printed it. This test encodes the same
 * events again and renders them the way redis-cli does, so the page cannot drift from the code:
 * a format change that forgets the docs fails here.
 */

const doc = readFileSync(new URL('../../../docs/wire-format.md', import.meta.url), 'utf8');

const event: EventInput = {
  type: 'order.paid',
  key: 'ord-1001',
  id: '01969f5c-8f2a-7b3e-9c41-5d2e8a7f0b12',
  schemaVersion: 2,
  headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
  timestamp: 1746102896789,
  payload: {
    orderId: 'ord-1001',
    amount: { minor: 1099n, currency: 'EUR' },
    paidAt: new Date(1746102896000),
    receipt: Buffer.from('%PDF'),
    note: undefined,
    tags: ['card', null],
  },
};

/** redis-cli's quoting of a bulk string (sdscatrepr). */
function redisCliQuote(bytes: Buffer): string {
  let out = '"';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    if (char === '\\' || char === '"') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (byte === 7) out += '\\a';
    else if (byte === 8) out += '\\b';
    else if (byte >= 0x20 && byte < 0x7f) out += char;
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

/** One XRANGE entry as redis-cli prints it at position `n` of the reply. */
function redisCliEntry(n: number, entryId: string, fields: Array<string | Buffer>): string {
  const width = String(fields.length).length;
  const lines = [`${n}) 1) "${entryId}"`];
  fields.forEach((field, i) => {
    const bytes = typeof field === 'string' ? Buffer.from(field) : field;
    const prefix = i === 0 ? '   2) ' : '      ';
    lines.push(`${prefix}${String(i + 1).padStart(width)}) ${redisCliQuote(bytes)}`);
  });
  return lines.join('\n');
}

describe('docs/wire-format.md worked example', () => {
  const json = createCodec({ contentType: 'json' });
  const msgpack = createCodec({ contentType: 'msgpack' });
  const entries: Array<[string, Array<string | Buffer>]> = [
    ['1746102896790-0', json.encode(event).fields],
    [
      '1746102896791-0',
      msgpack.encode({
        ...event,
        id: '01969f5c-8f2b-7c01-8a55-0f3e1d2c4b6a',
        timestamp: 1746102896790,
      }).fields,
    ],
    [
      '1746102896792-0',
      json.encode({
        type: 'order.noted',
        id: '01969f5c-8f2c-7d11-b0aa-3c2b1a09f8e7',
        key: null,
        timestamp: 1746102896791,
        payload: { text: 'keyless, no headers' },
      }).fields,
    ],
  ];

  it('shows the exact redis-cli rendering of each encoded entry', () => {
    entries.forEach(([entryId, fields], i) => {
      expect(doc).toContain(redisCliEntry(i + 1, entryId, fields));
    });
  });

  it('states the payload sizes it quotes', () => {
    const size = (fields: Array<string | Buffer>) => Buffer.from(fields[fields.length - 1]!).length;
    expect(doc).toContain(
      `(${size(entries[1]![1])} bytes, against ${size(entries[0]![1])} for the JSON one)`,
    );
  });
});
