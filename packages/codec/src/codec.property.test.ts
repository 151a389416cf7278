import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCodec } from './codec.js';
import { CodecError } from './codec-error.js';
import type { ContentType, EventInput } from './event-types.js';

/*
 * Property tests: what the codec promises for every value and every byte string, not only for
 * the examples in codec.test.ts.
 */

const CONTENT_TYPES: ContentType[] = ['json', 'msgpack'];

// Keys include the reserved-looking ones, so tag escaping is exercised all the time.
const key = fc
  .oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 8 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '$bin',
        '$date',
        '$bigint',
        '$undefined',
        '$number',
        '$object',
        '$',
        '$x',
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 4 }).map((tail) => `$${tail}`) },
  )
  .filter((name) => name !== '__proto__');

const leaf = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(), // NaN, +-Infinity, -0 included
  fc.string({ unit: 'binary', maxLength: 12 }), // lone surrogates included
  fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }),
  fc.date(), // Invalid Date included
  fc.uint8Array({ maxLength: 24 }),
  fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes)),
  fc.uint8Array({ minLength: 4, maxLength: 24 }).map((bytes) => bytes.subarray(2)), // offset views
);

const { value: payload } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 5 }), // null prototypes included
}));

/**
 * What decode promises to give back for `value`: binary as Buffer, -0 as 0, objects with
 * Object.prototype (documented in docs/wire-format.md).
 */
function expected(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(expected);
  if (value instanceof Date || typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) out[name] = expected(member);
  return out;
}

describe('round trip (property)', () => {
  for (const contentType of CONTENT_TYPES) {
    it(`decode(encode(x)) deep-equals x for nested values with binary, Dates, bigints (${contentType})`, () => {
      const codec = createCodec({ contentType });
      fc.assert(
        fc.property(payload, (value) => {
          const { fields } = codec.encode({ type: 'prop.test', payload: value });
          expect(codec.decode(fields).payload).toStrictEqual(expected(value));
          // As Redis hands them over: every field a Buffer.
          const buffers = fields.map((f) => (typeof f === 'string' ? Buffer.from(f) : f));
          expect(codec.decode(buffers).payload).toStrictEqual(expected(value));
        }),
        { numRuns: 400 },
      );
    });

    it(`keeps the envelope exactly (${contentType})`, () => {
      const codec = createCodec({ contentType });
      const envelope = fc.record({
        type: fc.string({ minLength: 1, maxLength: 30 }),
        key: fc.option(fc.string({ maxLength: 30 }), { nil: null }),
        id: fc.string({ minLength: 1, maxLength: 40 }),
        headers: fc.dictionary(
          fc.string({ minLength: 1, maxLength: 10 }).filter((n) => n !== '__proto__'),
          fc.string({ maxLength: 20 }),
          { maxKeys: 6, noNullPrototype: true },
        ),
        schemaVersion: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        timestamp: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      });
      fc.assert(
        fc.property(envelope, (input) => {
          const event: EventInput<number> = { ...input, payload: 1 };
          const decoded = codec.decode(
            codec.encode(event).fields.map((f) => (typeof f === 'string' ? Buffer.from(f) : f)),
          );
          expect(decoded).toStrictEqual({
            formatVersion: 1,
            contentType,
            ...input,
            payload: 1,
          });
        }),
        { numRuns: 300 },
      );
    });
  }
});

function throwsOnlyCodecErrors(run: () => unknown): boolean {
  try {
    run();
  } catch (thrown) {
    if (!(thrown instanceof CodecError)) {
      throw new Error(`decode threw a non-CodecError: ${String(thrown)}`, { cause: thrown });
    }
  }
  return true;
}

const FIELD_NAMES = ['v', 'id', 'type', 'key', 'sv', 'ct', 'h', 'ts', 'p', 'retries', 'event'];
const bytes = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('1', '0', '2', 'json', 'msgpack', '', '{}', '{"a":"b"}', '-1', '9'.repeat(20)),
);
const fieldValue = fc.oneof(
  bytes,
  text,
  text.map((t) => Buffer.from(t)),
);
const fieldName = fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 6 }), bytes);
const junk = fc.oneof(
  fc.integer(),
  fc.constant(null),
  fc.constant(undefined),
  fc.object(),
  fc.array(fc.integer()),
);

describe('garbage in, CodecError out (property)', () => {
  const codecs = [
    createCodec(),
    createCodec({ legacy: false }),
    createCodec({ contentType: 'msgpack', maxPayloadBytes: 64 }),
  ];

  it('arbitrary flat field lists of Buffers and strings', () => {
    const list = fc.array(
      fc.oneof(
        { weight: 5, arbitrary: fc.oneof(fieldName, fieldValue) },
        { weight: 1, arbitrary: junk },
      ),
      {
        maxLength: 24,
      },
    );
    fc.assert(
      fc.property(list, fc.constantFrom(...codecs), (fields, codec) =>
        throwsOnlyCodecErrors(() => codec.decode(fields as Array<string | Buffer>)),
      ),
      { numRuns: 2000 },
    );
  });

  it('arbitrary field objects', () => {
    const record = fc.dictionary(
      fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 6 })),
      fc.oneof({ weight: 8, arbitrary: fieldValue }, { weight: 1, arbitrary: junk }),
      {
        maxKeys: 12,
      },
    );
    fc.assert(
      fc.property(record, fc.constantFrom(...codecs), (fields, codec) =>
        throwsOnlyCodecErrors(() => codec.decode(fields as Record<string, string>)),
      ),
      { numRuns: 2000 },
    );
  });

  it('valid-looking entries with one field replaced, dropped, duplicated or corrupted', () => {
    const valid = fc
      .tuple(fc.constantFrom<ContentType>('json', 'msgpack'), payload)
      .map(([contentType, value]) =>
        createCodec({ contentType })
          .encode({ type: 't', payload: value, key: 'k', headers: { a: 'b' } })
          .fields.map((f) => (typeof f === 'string' ? Buffer.from(f) : f)),
      );
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: fieldValue }),
      fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.nat(),
        offset: fc.nat(),
        bit: fc.nat(7),
      }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), length: fc.nat() }),
    );
    fc.assert(
      fc.property(
        valid,
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...codecs),
        (entry, mutations, codec) => {
          const fields: Array<string | Buffer> = [...entry];
          for (const m of mutations) {
            const pair = (m.at % (fields.length / 2 || 1)) * 2;
            if (fields.length === 0) break;
            if (m.kind === 'replace') fields[pair + 1] = m.value;
            else if (m.kind === 'drop') fields.splice(pair, 2);
            else if (m.kind === 'duplicate') fields.push(fields[pair]!, fields[pair + 1]!);
            else {
              const original = fields[pair + 1]!;
              const value = Buffer.from(
                typeof original === 'string' ? Buffer.from(original) : original,
              );
              if (m.kind === 'flip' && value.length > 0)
                value[m.offset % value.length]! ^= 1 << m.bit;
              fields[pair + 1] =
                m.kind === 'truncate' ? value.subarray(0, m.length % (value.length + 1)) : value;
            }
          }
          return throwsOnlyCodecErrors(() => codec.decode(fields));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('payload bytes of every kind under both content types', () => {
    const payloadBytes = fc.oneof(
      bytes,
      fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
      fc.json().map((j) => Buffer.from(j)),
      fc
        .constantFrom('{"$bin":1}', '[{"$date":"x"}]', '{"$object":null}', '{"$bigint":"1e3"}')
        .map((t) => Buffer.from(t)),
    );
    fc.assert(
      fc.property(payloadBytes, fc.constantFrom('json', 'msgpack'), (p, ct) =>
        throwsOnlyCodecErrors(() =>
          createCodec().decode([
            'v',
            '1',
            'id',
            'x',
            'type',
            't',
            'sv',
            '1',
            'ct',
            ct,
            'ts',
            '1',
            'p',
            p,
          ]),
        ),
      ),
      { numRuns: 3000 },
    );
  });

  it('absurd sizes finish quickly with a CodecError', () => {
    const codec = createCodec();
    const entry = (ct: string, p: Buffer | string) => [
      'v',
      '1',
      'id',
      'x',
      'type',
      't',
      'sv',
      '1',
      'ct',
      ct,
      'ts',
      '1',
      'p',
      p,
    ];
    const cases = [
      entry('msgpack', Buffer.alloc(1024 * 1024 - 1, 0x91)), // a million nested arrays
      entry('msgpack', Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff])), // array32 claiming 4G items
      entry('msgpack', Buffer.from([0xdb, 0xff, 0xff, 0xff, 0xff])), // str32 claiming 4 GB
      entry('json', `${'['.repeat(200_000)}{"$undefined":true}${']'.repeat(200_000)}`),
      entry('json', `{"$bigint":"${'9'.repeat(500_000)}"}`),
    ];
    for (const fields of cases) {
      const started = performance.now();
      expect(() => codec.decode(fields)).toThrow(CodecError);
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });
});
