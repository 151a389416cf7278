import { describe, expect, it } from 'vitest';
import { createCodec } from './codec.js';
import { CODEC_ERROR_CODES, CodecError, type CodecErrorCode } from './codec-error.js';
import { CODEC_LIMITS } from './codec-limits.js';
import type { EventInput } from './event-types.js';
import { sampleOrderEvent } from './sample-order-event.js';

const asBuffers = (fields: ReadonlyArray<string | Buffer>) =>
  fields.map((field) => (typeof field === 'string' ? Buffer.from(field) : field));

function fieldMap(fields: ReadonlyArray<string | Buffer>): Map<string, string | Buffer> {
  const map = new Map<string, string | Buffer>();
  for (let i = 0; i < fields.length; i += 2) map.set(String(fields[i]), fields[i + 1]!);
  return map;
}

function errorOf(run: () => unknown): CodecError {
  try {
    run();
  } catch (thrown) {
    expect(thrown).toBeInstanceOf(CodecError);
    return thrown as CodecError;
  }
  throw new Error('expected a CodecError, nothing was thrown');
}

function expectCode(run: () => unknown, code: CodecErrorCode): CodecError {
  const error = errorOf(run);
  expect(error.code, error.message).toBe(code);
  expect(error.retriable).toBe(false);
  return error;
}

const input: EventInput<{ n: number }> = {
  type: 'order.paid',
  payload: { n: 1 },
  key: 'order-7',
  id: '01890a5d-ac96-774b-bcce-b302099a8057',
  headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
  timestamp: 1_714_566_896_123,
};

describe('encode', () => {
  it('writes the fixed field list in the documented order', () => {
    const encoded = createCodec().encode(input);
    expect(encoded.id).toBe(input.id);
    expect(encoded.fields).toEqual([
      'v',
      '1',
      'id',
      '01890a5d-ac96-774b-bcce-b302099a8057',
      'type',
      'order.paid',
      'key',
      'order-7',
      'sv',
      '1',
      'ct',
      'json',
      'h',
      '{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}',
      'ts',
      '1714566896123',
      'p',
      '{"n":1}',
    ]);
  });

  it('omits key for keyless events and keeps h (empty) so field lists stay alike', () => {
    const { fields } = createCodec().encode({ type: 't', payload: 1, key: null });
    const names = fields.filter((_, i) => i % 2 === 0);
    expect(names).toEqual(['v', 'id', 'type', 'sv', 'ct', 'h', 'ts', 'p']);
    expect(fieldMap(fields).get('h')).toBe('');
  });

  it('reports byteLength as the UTF-8 bytes of all names and values', () => {
    for (const contentType of ['json', 'msgpack'] as const) {
      const codec = createCodec({ contentType });
      const events: EventInput[] = [
        input,
        sampleOrderEvent(),
        { type: 'tÿpe', payload: 'é', key: '🔑' },
      ];
      for (const event of events) {
        const encoded = codec.encode(event);
        const actual = asBuffers(encoded.fields).reduce((sum, field) => sum + field.length, 0);
        expect(encoded.byteLength).toBe(actual);
      }
    }
  });

  it('generates a UUIDv7 id and takes Date.now() when none is given', () => {
    const before = Date.now();
    const encoded = createCodec().encode({ type: 't', payload: null });
    const decoded = createCodec().decode(encoded.fields);
    expect(decoded.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(decoded.id).toBe(encoded.id);
    expect(decoded.timestamp).toBeGreaterThanOrEqual(before);
    expect(decoded.timestamp).toBeLessThanOrEqual(Date.now());
  });

  it('refuses invalid events with CODEC_BAD_EVENT naming the field', () => {
    const codec = createCodec();
    const cases: Array<[unknown, string]> = [
      [null, 'event'],
      [{ payload: 1 }, 'type'],
      [{ type: '', payload: 1 }, 'type'],
      [{ type: 'x'.repeat(CODEC_LIMITS.maxTypeBytes + 1), payload: 1 }, 'type'],
      [{ type: 't', payload: 1, id: '' }, 'id'],
      [{ type: 't', payload: 1, key: 7 }, 'key'],
      [{ type: 't', payload: 1, key: '\ud800' }, 'key'],
      [{ type: 't', payload: 1, timestamp: -1 }, 'timestamp'],
      [{ type: 't', payload: 1, timestamp: 1.5 }, 'timestamp'],
      [{ type: 't', payload: 1, schemaVersion: 0 }, 'schemaVersion'],
      [{ type: 't', payload: 1, headers: { a: 1 } }, 'headers'],
      [{ type: 't', payload: 1, headers: { '': 'x' } }, 'headers'],
      [{ type: 't', payload: 1, headers: ['x'] }, 'headers'],
    ];
    for (const [event, field] of cases) {
      const error = expectCode(() => codec.encode(event as EventInput), 'CODEC_BAD_EVENT');
      expect(error.field).toBe(field);
    }
    const many = Object.fromEntries(
      Array.from({ length: CODEC_LIMITS.maxHeaders + 1 }, (_, i) => [`h${i}`, 'v']),
    );
    expectCode(() => codec.encode({ type: 't', payload: 1, headers: many }), 'CODEC_BAD_EVENT');
  });

  it('wraps a throwing getter in the payload as a CodecError', () => {
    const payload = {
      get boom(): number {
        throw new Error('getter failed');
      },
    };
    const error = expectCode(
      () => createCodec().encode({ type: 't', payload }),
      'CODEC_UNSUPPORTED_VALUE',
    );
    expect(error.message).toContain('getter failed');
  });
});

describe('decode', () => {
  it('reads its own entries from Buffers, from strings and from an object', () => {
    const codec = createCodec();
    const { fields } = codec.encode(input);
    const expected = {
      formatVersion: 1,
      id: input.id,
      type: 'order.paid',
      key: 'order-7',
      schemaVersion: 1,
      contentType: 'json',
      headers: input.headers,
      timestamp: input.timestamp,
      payload: { n: 1 },
    };
    expect(codec.decode(fields)).toStrictEqual(expected);
    expect(codec.decode(asBuffers(fields))).toStrictEqual(expected);
    expect(codec.decode(Object.fromEntries(fieldMap(fields)))).toStrictEqual(expected);
  });

  it('tells a keyless event (null) from the empty-string key', () => {
    const codec = createCodec();
    expect(codec.decode(codec.encode({ type: 't', payload: 1 }).fields).key).toBeNull();
    expect(codec.decode(codec.encode({ type: 't', payload: 1, key: null }).fields).key).toBeNull();
    expect(codec.decode(codec.encode({ type: 't', payload: 1, key: '' }).fields).key).toBe('');
  });

  it('follows the content type of the entry, not of the codec', () => {
    const jsonCodec = createCodec({ contentType: 'json' });
    const msgpackCodec = createCodec({ contentType: 'msgpack' });
    const payload = { bytes: Buffer.from([0, 255]), when: new Date(5), big: 7n };
    const fromMsgpack = jsonCodec.decode(
      asBuffers(msgpackCodec.encode({ type: 't', payload }).fields),
    );
    expect(fromMsgpack.contentType).toBe('msgpack');
    expect(fromMsgpack.payload).toStrictEqual(payload);
    const fromJson = msgpackCodec.decode(
      asBuffers(jsonCodec.encode({ type: 't', payload }).fields),
    );
    expect(fromJson.contentType).toBe('json');
    expect(fromJson.payload).toStrictEqual(payload);
  });

  it('keeps msgpack binary without base64: the payload holds the raw bytes', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const { fields } = createCodec({ contentType: 'msgpack' }).encode({
      type: 't',
      payload: bytes,
    });
    const p = fieldMap(fields).get('p') as Buffer;
    expect(p.length).toBe(bytes.length + 3); // bin16 header (0xc5 + 2 length bytes) + the bytes
    expect(p.subarray(3)).toStrictEqual(bytes);
    // Decoded binary is a copy: it neither aliases nor pins the reply buffer it came from.
    const decoded = createCodec().decode<Buffer>(asBuffers(fields));
    p.fill(0);
    expect(decoded.payload).toStrictEqual(bytes);
  });

  it('headers: carries custom and awkward names and values', () => {
    const codec = createCodec();
    const withProto: Record<string, string> = {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'x-quote': 'say "hi"\\n',
      'x-unicode': 'zoë 🔑',
    };
    Object.defineProperty(withProto, '__proto__', { value: 'own', enumerable: true });
    const decoded = codec.decode(
      asBuffers(codec.encode({ type: 't', payload: 1, headers: withProto }).fields),
    );
    expect(decoded.headers).toStrictEqual(withProto);
    expect(Object.getPrototypeOf(decoded.headers)).toBe(Object.prototype);
    expect(
      codec.decode(codec.encode({ type: 't', payload: 1, headers: {} }).fields).headers,
    ).toEqual({});
  });

  it('headers: reads spaced or escaped JSON written by other producers', () => {
    const codec = createCodec();
    const base = fieldMap(codec.encode(input).fields);
    for (const h of ['{ "a" : "b" }', '{"a":"\\u0062"}', '{"a":"b","a":"c"}']) {
      const entry = Object.fromEntries(base);
      entry.h = h;
      const expected = JSON.parse(h);
      expect(codec.decode(entry).headers).toStrictEqual(expected);
    }
  });

  it('ignores fields it does not know (room for additions within format version 1)', () => {
    const codec = createCodec();
    const fields = [...codec.encode(input).fields, 'x-extra', 'whatever'];
    expect(codec.decode(fields).payload).toEqual({ n: 1 });
  });

  it('names the field of every envelope problem', () => {
    const codec = createCodec({ legacy: false });
    const good = () =>
      Object.fromEntries(fieldMap(asBuffers(codec.encode(input).fields))) as Record<
        string,
        Buffer | string
      >;
    const withField = (name: string, value: string | Buffer | undefined) => {
      const entry = good();
      if (value === undefined) delete entry[name];
      else entry[name] = value;
      return entry;
    };
    const cases: Array<[Record<string, Buffer | string>, CodecErrorCode, string | undefined]> = [
      [withField('v', undefined), 'CODEC_UNKNOWN_FORMAT_VERSION', 'v'],
      [withField('v', '2'), 'CODEC_UNKNOWN_FORMAT_VERSION', 'v'],
      [withField('v', 'one'), 'CODEC_BAD_FIELD', 'v'],
      [withField('id', undefined), 'CODEC_BAD_FIELD', 'id'],
      [withField('id', ''), 'CODEC_BAD_FIELD', 'id'],
      [withField('id', 'x'.repeat(CODEC_LIMITS.maxIdBytes + 1)), 'CODEC_BAD_FIELD', 'id'],
      [withField('type', Buffer.from([0xff, 0xfe])), 'CODEC_BAD_FIELD', 'type'],
      [withField('key', 'k'.repeat(CODEC_LIMITS.maxKeyBytes + 1)), 'CODEC_BAD_FIELD', 'key'],
      [withField('sv', '0'), 'CODEC_BAD_FIELD', 'sv'],
      [withField('sv', '01'), 'CODEC_BAD_FIELD', 'sv'],
      [withField('sv', '-1'), 'CODEC_BAD_FIELD', 'sv'],
      [withField('ct', 'avro'), 'CODEC_BAD_FIELD', 'ct'],
      [withField('ct', undefined), 'CODEC_BAD_FIELD', 'ct'],
      [withField('h', '[]'), 'CODEC_BAD_FIELD', 'h'],
      [withField('h', '{"a":1}'), 'CODEC_BAD_FIELD', 'h'],
      [withField('h', '{"a":"b"'), 'CODEC_BAD_FIELD', 'h'],
      [withField('ts', '17e11'), 'CODEC_BAD_FIELD', 'ts'],
      [withField('ts', '99999999999999999'), 'CODEC_BAD_FIELD', 'ts'],
      [withField('p', undefined), 'CODEC_BAD_FIELD', 'p'],
      [withField('p', '{"n":'), 'CODEC_MALFORMED_PAYLOAD', 'p'],
      [withField('p', Buffer.from([0x7b, 0xff, 0x7d])), 'CODEC_MALFORMED_PAYLOAD', 'p'],
    ];
    for (const [entry, code, field] of cases) {
      const error = expectCode(() => codec.decode(entry), code);
      expect(error.field, error.message).toBe(field);
    }
  });

  it('refuses malformed field lists', () => {
    const codec = createCodec();
    const fields = codec.encode(input).fields;
    expectCode(() => codec.decode(fields.slice(1)), 'CODEC_BAD_FIELD');
    expectCode(() => codec.decode([...fields, 'v', '1']), 'CODEC_BAD_FIELD'); // duplicate
    expectCode(() => codec.decode([...fields, 'x', 5] as never), 'CODEC_BAD_FIELD');
    expectCode(() => codec.decode([5, 'x'] as never), 'CODEC_BAD_FIELD');
    expectCode(() => codec.decode(null as never), 'CODEC_BAD_FIELD');
    expectCode(() => codec.decode('v' as never), 'CODEC_BAD_FIELD');
    // No entry is empty, so an empty list is not a legacy entry either.
    expectCode(() => codec.decode([]), 'CODEC_UNKNOWN_FORMAT_VERSION');
    expectCode(() => codec.decode({}), 'CODEC_UNKNOWN_FORMAT_VERSION');
    const tooMany = Array.from({ length: (CODEC_LIMITS.maxFields + 1) * 2 }, (_, i) => `f${i}`);
    expectCode(() => codec.decode(tooMany), 'CODEC_BAD_FIELD');
  });

  it('refuses msgpack bytes that were read as a lossy UTF-8 string', () => {
    const codec = createCodec({ contentType: 'msgpack' });
    const fields = codec.encode({ type: 't', payload: Buffer.from([0xff, 0xfe, 0x00]) }).fields;
    const lossy = fields.map((field) =>
      typeof field === 'string' ? field : field.toString('utf8'),
    );
    const error = expectCode(() => codec.decode(lossy), 'CODEC_BAD_FIELD');
    expect(error.message).toContain('xrangeBuffer');
    // msgpack that happens to be ASCII (here the positive fixint 42 = 0x2a) survives as a string.
    const ascii = codec.encode({ type: 't', payload: 42 }).fields.map(String);
    expect(codec.decode(ascii).payload).toBe(42);
  });
});

describe('entries from other writers (docs/wire-format.md)', () => {
  it('reads fields in any order, without h, with spaced JSON and unknown extra fields', () => {
    // biome-ignore format: name/value pairs, one pair per line
    const decoded = createCodec().decode([
      'p', '{ "total": 12, "lines": [ {"sku": "A"} ] }',
      'ts', '1700000000000',
      'x-writer', 'python',
      'ct', 'json',
      'sv', '3',
      'type', 'order.paid',
      'id', 'py-000001',
      'v', '1',
    ]);
    expect(decoded).toStrictEqual({
      formatVersion: 1,
      id: 'py-000001',
      type: 'order.paid',
      key: null,
      schemaVersion: 3,
      contentType: 'json',
      headers: {},
      timestamp: 1_700_000_000_000,
      payload: { total: 12, lines: [{ sku: 'A' }] },
    });
  });

  it('reads msgpack written with int64 for small integers (as Go and Python writers may)', () => {
    // {"n": int64 7, "f": float64 1.5, "b": bin8 [1,2]}
    const p = Buffer.from('83a16ed30000000000000007a166cb3ff8000000000000a162c4020102', 'hex');
    const decoded = createCodec().decode([
      'v',
      '1',
      'id',
      'x',
      'type',
      't',
      'sv',
      '1',
      'ct',
      'msgpack',
      'ts',
      '0',
      'p',
      p,
    ]);
    expect(decoded.payload).toStrictEqual({ n: 7n, f: 1.5, b: Buffer.from([1, 2]) });
  });
});

describe('error codes', () => {
  it('are the documented, stable strings', () => {
    expect(CODEC_ERROR_CODES).toEqual([
      'CODEC_UNKNOWN_FORMAT_VERSION',
      'CODEC_BAD_FIELD',
      'CODEC_MALFORMED_PAYLOAD',
      'CODEC_PAYLOAD_TOO_LARGE',
      'CODEC_UNSUPPORTED_VALUE',
      'CODEC_NESTING_TOO_DEEP',
      'CODEC_SCHEMA_VIOLATION',
      'CODEC_ASYNC_SCHEMA',
      'CODEC_UNKNOWN_TYPE',
      'CODEC_UNKNOWN_VERSION',
      'CODEC_NEWER_VERSION',
      'CODEC_UPCAST_FAILED',
      'CODEC_BAD_REGISTRATION',
      'CODEC_BAD_OPTION',
      'CODEC_BAD_EVENT',
    ]);
    const error = new CodecError('CODEC_BAD_FIELD', 'x', { field: 'ts' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CodecError');
    expect(error.retriable).toBe(false);
    expect(error.field).toBe('ts');
  });
});

describe('maxPayloadBytes', () => {
  const big = { text: 'x'.repeat(2000) };

  it('refuses a payload over the limit on encode, in both content types', () => {
    for (const contentType of ['json', 'msgpack'] as const) {
      const codec = createCodec({ contentType, maxPayloadBytes: 1000 });
      const error = expectCode(
        () => codec.encode({ type: 'big', payload: big }),
        'CODEC_PAYLOAD_TOO_LARGE',
      );
      expect(error.context.limit).toBe(1000);
      expect(error.context.actual).toBeGreaterThan(2000);
      expect(error.type).toBe('big');
      expect(
        codec.encode({ type: 'small', payload: { text: 'x'.repeat(900) } }).fields,
      ).toBeDefined();
    }
  });

  it('refuses a stored payload over the limit on decode, before parsing it', () => {
    for (const contentType of ['json', 'msgpack'] as const) {
      const fields = createCodec({ contentType }).encode({ type: 'big', payload: big }).fields;
      const strict = createCodec({ maxPayloadBytes: 1000 });
      expectCode(() => strict.decode(asBuffers(fields)), 'CODEC_PAYLOAD_TOO_LARGE');
    }
  });

  it('defaults to 1 MiB', () => {
    const codec = createCodec();
    expect(codec.maxPayloadBytes).toBe(1024 * 1024);
    expect(() => codec.encode({ type: 't', payload: 'x'.repeat(1024 * 1024 - 2) })).not.toThrow();
    expectCode(
      () => codec.encode({ type: 't', payload: 'x'.repeat(1024 * 1024 - 1) }),
      'CODEC_PAYLOAD_TOO_LARGE',
    );
  });
});

describe('createCodec options', () => {
  it('names the bad option', () => {
    const cases: Array<[object, string]> = [
      [{ contentType: 'xml' }, 'contentType'],
      [{ maxPayloadBytes: 0 }, 'maxPayloadBytes'],
      [{ maxPayloadBytes: 1.5 }, 'maxPayloadBytes'],
      [{ maxPayloadBytes: 2 ** 40 }, 'maxPayloadBytes'],
      [{ legacy: 'yes' }, 'legacy'],
      [{ registry: {} }, 'registry'],
    ];
    for (const [options, field] of cases) {
      const error = expectCode(() => createCodec(options as never), 'CODEC_BAD_OPTION');
      expect(error.field).toBe(field);
      expect(error.message).toContain(field);
    }
  });

  it('uses the documented defaults', () => {
    const codec = createCodec();
    expect(codec.contentType).toBe('json');
    expect(codec.legacy).toBe(true);
  });
});
