import { describe, expect, it } from 'vitest';
import { CodecError } from './codec-error.js';
import { CODEC_LIMITS } from './codec-limits.js';
import { decodeJsonPayload, encodeJsonPayload } from './json-payload.js';

function roundTrip(value: unknown): unknown {
  return decodeJsonPayload(encodeJsonPayload(value));
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (thrown) {
    expect(thrown).toBeInstanceOf(CodecError);
    return (thrown as CodecError).code;
  }
  return undefined;
}

describe('JSON payload tags (docs/wire-format.md)', () => {
  it('writes plain JSON untouched when nothing needs a tag', () => {
    const value = { a: 1, b: [true, null, 'x'], c: { d: 'e' } };
    expect(encodeJsonPayload(value)).toBe(JSON.stringify(value));
  });

  it('writes the documented tag for each special value', () => {
    expect(encodeJsonPayload(Buffer.from([0, 1, 2, 255]))).toBe('{"$bin":"AAEC/w=="}');
    expect(encodeJsonPayload(new Uint8Array([104, 105]))).toBe('{"$bin":"aGk="}');
    expect(encodeJsonPayload(new Date(Date.UTC(2025, 4, 1, 12, 0, 0, 5)))).toBe(
      '{"$date":"2025-05-01T12:00:00.005Z"}',
    );
    expect(encodeJsonPayload(new Date(Number.NaN))).toBe('{"$date":null}');
    expect(encodeJsonPayload(-12345678901234567890n)).toBe('{"$bigint":"-12345678901234567890"}');
    expect(encodeJsonPayload(undefined)).toBe('{"$undefined":true}');
    expect(encodeJsonPayload({ a: undefined, b: null })).toBe('{"a":{"$undefined":true},"b":null}');
    expect(encodeJsonPayload([undefined, 1])).toBe('[{"$undefined":true},1]');
    expect(
      encodeJsonPayload([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]),
    ).toBe('[{"$number":"NaN"},{"$number":"Infinity"},{"$number":"-Infinity"}]');
  });

  it('round-trips binary as Buffer, Dates, bigints, undefined vs null vs absent', () => {
    const value = {
      bytes: new Uint8Array([1, 2, 3]).subarray(1),
      when: new Date(0),
      big: 2n ** 100n,
      nothing: undefined,
      empty: null,
      list: [undefined, null, Buffer.alloc(0)],
    };
    const back = roundTrip(value) as Record<string, unknown>;
    expect(back).toStrictEqual({
      bytes: Buffer.from([2, 3]),
      when: new Date(0),
      big: 2n ** 100n,
      nothing: undefined,
      empty: null,
      list: [undefined, null, Buffer.alloc(0)],
    });
    expect(Buffer.isBuffer(back.bytes)).toBe(true);
    expect('nothing' in back).toBe(true);
    expect('absent' in back).toBe(false);
  });

  it('escapes user objects that look like tags, so data never reads back as a tag', () => {
    const lookalikes = [
      { $bin: 'AAAA' },
      { $date: '2025-01-01T00:00:00.000Z' },
      { $undefined: true },
      { $object: { $bin: 'x' } },
      { $future: 1 },
      { $: 'dollar' },
      { $bin: Buffer.from('real binary') },
      [{ $bigint: '1' }, { nested: { $number: 'NaN' } }],
    ];
    for (const value of lookalikes) expect(roundTrip(value)).toStrictEqual(value);
    expect(encodeJsonPayload({ $bin: 'AAAA' })).toBe('{"$object":{"$bin":"AAAA"}}');
    // Objects with 0 or 2+ keys are never tags, so they need no escape.
    expect(encodeJsonPayload({ $bin: 'AAAA', other: 1 })).toBe('{"$bin":"AAAA","other":1}');
  });

  it('takes tags written with an escaped dollar (\\u0024) like any other', () => {
    expect(decodeJsonPayload('{"\\u0024bin":"aGk="}')).toStrictEqual(Buffer.from('hi'));
  });

  it('rejects unknown and malformed tags with CODEC_MALFORMED_PAYLOAD', () => {
    for (const text of [
      '{"$future":1}',
      '{"$bin":"not base64!"}',
      '{"$bin":12}',
      '{"$date":"yesterday"}',
      '{"$bigint":"12.5"}',
      '{"$bigint":"0012"}',
      '{"$undefined":false}',
      '{"$number":"-0"}',
      '{"$object":[1]}',
      'not json',
      '',
    ]) {
      expect(
        codeOf(() => decodeJsonPayload(text)),
        text,
      ).toBe('CODEC_MALFORMED_PAYLOAD');
    }
  });

  it('keeps a "__proto__" key of foreign JSON as an own property, never as a prototype', () => {
    const value = decodeJsonPayload('{"__proto__":{"polluted":{"$bin":""}},"a":1}') as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses values it cannot carry faithfully, naming the path', () => {
    const cases: Array<[unknown, string]> = [
      [{ a: { b: [1, () => 1] } }, 'a.b[1]'],
      [{ m: new Map() }, 'm'],
      [{ s: new Set([1]) }, 's'],
      [{ 'odd key': Symbol('x') }, '["odd key"]'],
      [{ f: new Float32Array(2) }, 'f'],
      [JSON.parse('{"__proto__":1}'), '__proto__'],
      [{ big: 10n ** BigInt(CODEC_LIMITS.maxBigIntDigits) }, 'big'],
    ];
    for (const [value, path] of cases) {
      try {
        encodeJsonPayload(value);
        expect.unreachable(`encoded ${path}`);
      } catch (thrown) {
        expect(thrown).toBeInstanceOf(CodecError);
        expect((thrown as CodecError).code).toBe('CODEC_UNSUPPORTED_VALUE');
        expect((thrown as CodecError).path).toBe(path);
      }
    }
  });

  it('caps nesting depth on encode (and catches cycles) and on tagged decode', () => {
    let deep: unknown = 1;
    for (let i = 0; i < CODEC_LIMITS.maxDepth + 1; i++) deep = [deep];
    expect(codeOf(() => encodeJsonPayload(deep))).toBe('CODEC_NESTING_TOO_DEEP');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(codeOf(() => encodeJsonPayload(cyclic))).toBe('CODEC_NESTING_TOO_DEEP');

    const depth = CODEC_LIMITS.maxDepth + 5;
    const taggedDeep = `${'['.repeat(depth)}{"$undefined":true}${']'.repeat(depth)}`;
    expect(codeOf(() => decodeJsonPayload(taggedDeep))).toBe('CODEC_NESTING_TOO_DEEP');
    // Untagged JSON goes through V8's iterative parser alone: deep, but no stack at risk.
    const plainDeep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => decodeJsonPayload(plainDeep)).not.toThrow();
  });

  it('carries -0 as 0 and array holes as undefined (documented)', () => {
    expect(Object.is(roundTrip(-0), 0)).toBe(true);
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point.
    expect(roundTrip([1, , 3])).toStrictEqual([1, undefined, 3]);
  });
});
