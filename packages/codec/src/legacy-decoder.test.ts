import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LEGACY_FIXTURES } from '../test/fixtures/legacy-go-demo.js';
import { createCodec } from './codec.js';
import { CodecError } from './codec-error.js';
import { decodeLegacyValue } from './legacy-decoder.js';
import { SchemaRegistry } from './schema-registry.js';

const asBuffers = (fields: string[]) => fields.map((field) => Buffer.from(field));

describe('legacy decoder (entries of the original Go demo)', () => {
  const codec = createCodec();

  for (const fixture of LEGACY_FIXTURES) {
    it(`decodes the fixture: ${fixture.name}`, () => {
      const { entryId } = fixture;
      expect(codec.decode(fixture.fields, { entryId })).toStrictEqual(fixture.expected);
      expect(codec.decode(asBuffers(fixture.fields), { entryId })).toStrictEqual(fixture.expected);
      const asObject: Record<string, string> = {};
      for (let i = 0; i < fixture.fields.length; i += 2)
        asObject[fixture.fields[i]!] = fixture.fields[i + 1]!;
      expect(codec.decode(asObject, { entryId })).toStrictEqual(fixture.expected);
    });
  }

  it('without the entry id, derives a stable id from the fields (redeliveries keep it)', () => {
    const fields = LEGACY_FIXTURES[3]!.fields;
    const first = codec.decode(fields);
    expect(first.id).toMatch(/^legacy-[0-9a-f]{32}$/);
    expect(codec.decode(asBuffers(fields)).id).toBe(first.id);
    expect(codec.decode([...fields.slice(0, -1), 'x']).id).not.toBe(first.id);
    expect(first.timestamp).toBe(0);
  });

  it('reads values by the documented rules, in order', () => {
    expect(decodeLegacyValue('0')).toBe(0);
    expect(decodeLegacyValue('-0.5')).toBe(-0.5);
    expect(decodeLegacyValue('1E+21')).toBe(1e21);
    expect(decodeLegacyValue('-9223372036854775808')).toBe(-9_223_372_036_854_775_808n);
    expect(decodeLegacyValue('007')).toBe('007'); // not decimal (leading zero), not base64: as is
    expect(decodeLegacyValue('1234')).toBe(1234); // digits win over base64
    expect(decodeLegacyValue('eyJhIjpbMSx7ImIiOm51bGx9XX0=')).toEqual({ a: [1, { b: null }] });
    expect(decodeLegacyValue('W10=')).toEqual([]);
    expect(decodeLegacyValue('eyJhIjo=')).toBe('{"a":'); // broken JSON stays text
    expect(decodeLegacyValue('aGVsbG8')).toBe('aGVsbG8'); // unpadded: not base64
    expect(decodeLegacyValue('aGVsbG9=')).toBe('aGVsbG9='); // non-canonical padding bits
    expect(decodeLegacyValue('//79')).toBe('//79'); // bytes ff fe fd: not UTF-8
  });

  it('refuses what cannot be a legacy entry', () => {
    const cases: string[][] = [
      ['retries', 'two'],
      ['a', 'YQ==', 'a', 'Yg=='],
    ];
    for (const fields of cases) {
      expect(() => codec.decode(fields)).toThrow(CodecError);
    }
    expect(() => codec.decode([Buffer.from('x'), Buffer.from([0xff, 0x00])])).toThrow(CodecError);
    const small = createCodec({ maxPayloadBytes: 10 });
    expect(() => small.decode(['note', 'aGVsbG8gd29ybGQh'])).toThrowError(
      expect.objectContaining({ code: 'CODEC_PAYLOAD_TOO_LARGE' }),
    );
  });

  it('is off with legacy: false: an entry without v is CODEC_UNKNOWN_FORMAT_VERSION', () => {
    const strict = createCodec({ legacy: false });
    expect(() => strict.decode(LEGACY_FIXTURES[0]!.fields)).toThrowError(
      expect.objectContaining({ code: 'CODEC_UNKNOWN_FORMAT_VERSION' }),
    );
  });

  it('goes through the registry like any event (validation, then upcasting)', () => {
    const registry = new SchemaRegistry({ unknownTypes: 'passthrough' })
      .register(
        'order.created',
        1,
        z.object({ id: z.string(), amount: z.number(), quantity: z.number().int() }),
      )
      .register(
        'order.created',
        2,
        z.object({ orderId: z.string(), totalMinor: z.number() }),
        (v1) => ({
          orderId: v1.id,
          totalMinor: Math.round(v1.amount * 100),
        }),
      );
    const decoded = createCodec({ registry }).decode(LEGACY_FIXTURES[0]!.fields);
    expect(decoded.formatVersion).toBe(0);
    expect(decoded.schemaVersion).toBe(2);
    expect(decoded.upcastFrom).toBe(1);
    expect(decoded.payload).toEqual({ orderId: 'ord-1001', totalMinor: 4995 });
  });
});
