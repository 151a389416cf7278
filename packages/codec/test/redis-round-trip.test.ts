import { randomBytes } from 'node:crypto';
import { type LaunchedRedis, launchRedis, uniqueName } from '@redstream/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContentType, createCodec } from '../src/index.js';
import { LEGACY_FIXTURES } from './fixtures/legacy-go-demo.js';

/*
 * Through a real Redis: XADD the encoded fields, read them back the way a consumer does (XRANGE
 * with Buffer replies), decode. This is where a lossy string conversion anywhere on the way would
 * show up as changed binary.
 */

let redis: LaunchedRedis;
let client: Redis;

beforeAll(async () => {
  redis = await launchRedis();
  client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
});

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

/** Every byte value, then random bytes, then an empty view and an offset view. */
function binaryPayload() {
  const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const backing = randomBytes(70_000);
  return {
    everyByte,
    random: backing.subarray(10, 65_546),
    view: new Uint8Array(backing.buffer, backing.byteOffset + 3, 5),
    empty: Buffer.alloc(0),
    nested: [{ deeper: { blob: randomBytes(33) } }],
    when: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)),
    big: -(2n ** 80n),
    missing: undefined,
  };
}

async function readBack(stream: string): Promise<Array<[Buffer, Buffer[]]>> {
  return client.xrangeBuffer(stream, '-', '+');
}

describe('round trip through Redis (XADD, then XRANGE with Buffers)', () => {
  for (const contentType of ['msgpack', 'json'] as ContentType[]) {
    it(`keeps binary payloads byte-identical (${contentType})`, async () => {
      const codec = createCodec({ contentType });
      const stream = uniqueName('codec-rt');
      const payload = binaryPayload();
      const encoded = codec.encode({
        type: 'blob.stored',
        key: 'bucket-1',
        headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
        payload,
      });
      const entryId = await client.xadd(stream, '*', ...encoded.fields);
      const entries = await readBack(stream);
      expect(entries).toHaveLength(1);
      const [id, fields] = entries[0]!;
      expect(id.toString()).toBe(entryId);

      const decoded = codec.decode<ReturnType<typeof binaryPayload>>(fields, {
        entryId: id.toString(),
      });
      expect(decoded.id).toBe(encoded.id);
      expect(decoded.key).toBe('bucket-1');
      expect(decoded.contentType).toBe(contentType);
      const back = decoded.payload;
      expect(Buffer.compare(back.everyByte, payload.everyByte)).toBe(0);
      expect(Buffer.compare(back.random, payload.random)).toBe(0);
      expect(back.random.length).toBe(65_536);
      expect(Buffer.isBuffer(back.view)).toBe(true);
      expect([...back.view]).toEqual([...payload.view]);
      expect(back.empty).toStrictEqual(Buffer.alloc(0));
      expect(Buffer.compare(back.nested[0]!.deeper.blob, payload.nested[0]!.deeper.blob)).toBe(0);
      expect(back.when).toStrictEqual(payload.when);
      expect(back.big).toBe(payload.big);
      expect('missing' in back && back.missing === undefined).toBe(true);

      // The stored entry is exactly the encoded bytes, field by field.
      const sent = encoded.fields.map((f) => (typeof f === 'string' ? Buffer.from(f) : f));
      expect(fields).toHaveLength(sent.length);
      fields.forEach((field, i) => {
        expect(Buffer.compare(field, sent[i]!), `field ${i}`).toBe(0);
      });
      expect(fields.reduce((sum, f) => sum + f.length, 0)).toBe(encoded.byteLength);
    });
  }

  it('msgpack stores binary raw (no base64), JSON as readable text', async () => {
    const stream = uniqueName('codec-size');
    const blob = randomBytes(30_000);
    for (const contentType of ['msgpack', 'json'] as ContentType[]) {
      await client.xadd(
        stream,
        '*',
        ...createCodec({ contentType }).encode({ type: 'b', payload: blob }).fields,
      );
    }
    const [msgpackEntry, jsonEntry] = await readBack(stream);
    const p = (fields: Buffer[]) =>
      fields[fields.findIndex((f, i) => i % 2 === 0 && f.toString() === 'p') + 1]!;
    expect(p(msgpackEntry![1]).length).toBe(30_000 + 3); // bin16: 0xc5, 2 length bytes, the bytes
    expect(p(jsonEntry![1]).toString()).toBe(`{"$bin":"${blob.toString('base64')}"}`);
  });

  it('decodes many entries of both content types read in one XRANGE, in order', async () => {
    const stream = uniqueName('codec-many');
    const codecs = [createCodec({ contentType: 'json' }), createCodec({ contentType: 'msgpack' })];
    const sent = Array.from({ length: 200 }, (_, i) => ({
      type: 'tick',
      key: i % 3 === 0 ? null : `k${i % 7}`,
      payload: { i, bytes: randomBytes(i % 17), at: new Date(i) },
    }));
    const pipeline = client.pipeline();
    for (const [i, event] of sent.entries())
      pipeline.xadd(stream, '*', ...codecs[i % 2]!.encode(event).fields);
    await pipeline.exec();
    const reader = createCodec();
    const entries = await readBack(stream);
    expect(
      entries
        .map(([id, fields]) => reader.decode(fields, { entryId: id.toString() }))
        .map((e) => ({
          key: e.key,
          payload: e.payload,
        })),
    ).toStrictEqual(sent.map((e) => ({ key: e.key, payload: e.payload })));
  });

  it('reads entries the Go demo wrote (legacy fixtures, added with their entry ids)', async () => {
    const stream = uniqueName('codec-legacy');
    for (const fixture of LEGACY_FIXTURES)
      await client.xadd(stream, fixture.entryId, ...fixture.fields);
    const codec = createCodec();
    const decoded = (await readBack(stream)).map(([id, fields]) =>
      codec.decode(fields, { entryId: id.toString() }),
    );
    expect(decoded).toStrictEqual(LEGACY_FIXTURES.map((fixture) => fixture.expected));
  });
});
