import { uniqueName } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import { encodeRequest } from '../src/scripts/resp-command.js';
import { useRedis } from './helpers/redis.js';

// Its own server: one test counts the server's commands.
const env = useRedis({ own: true });

/**
 * The producer appends a partition's chunk with one pre-encoded script call
 * (scripts/appendChunk-n.lua, scripts/resp-command.ts): these check the bytes that reach
 * Redis are the event's, whatever they hold, and the call's replies line up with its events.
 */
describe('chunk append', () => {
  it('encodes strings, numbers, multi-byte text and Buffers as RESP bulk strings', () => {
    const request = encodeRequest(
      'EVALSHA',
      'abc',
      ['k'],
      ['é€😀', 7, Buffer.from([0, 13, 10, 255]), ''],
    );
    const expected = Buffer.concat([
      Buffer.from('*8\r\n$7\r\nEVALSHA\r\n$3\r\nabc\r\n$1\r\n1\r\n$1\r\nk\r\n'),
      Buffer.from(`$${Buffer.byteLength('é€😀')}\r\né€😀\r\n$1\r\n7\r\n$4\r\n`),
      Buffer.from([0, 13, 10, 255]),
      Buffer.from('\r\n$0\r\n\r\n'),
    ]);
    expect(Buffer.from(request as Buffer)).toEqual(expected);
  });

  it('appends multi-byte text, CRLF, marker-like values and binary payloads byte for byte', async () => {
    for (const contentType of ['json', 'msgpack'] as const) {
      const client = await env.client({ codec: { contentType } });
      const topic = uniqueName('chunk');
      await client.ensureTopic(topic, { partitions: 2 });
      const payloads = [
        { text: 'é€😀 \r\n$3\r\nfoo\r\n*1\r\n' },
        { text: '=1-0', other: '=' },
        { bytes: 'x'.repeat(70_000) },
        { n: 1 },
      ];
      const events = payloads.map((payload, i) => ({
        type: 'chunk.test',
        key: `k${i % 2}`,
        payload,
        headers: { note: `=${i}\r\n` },
      }));
      const results = await client.producer().publishMany(topic, events);
      for (const [i, result] of results.entries()) {
        const [[, fields]] = (await client.redis.xrangeBuffer(
          client.keys.partitionStream(topic, result.partition),
          result.entryId,
          result.entryId,
        )) as unknown as [[Buffer, Buffer[]]];
        const decoded = client.codec.decode(fields);
        expect(decoded.id).toBe(result.eventId);
        expect(decoded.payload).toEqual(payloads[i]);
        expect(decoded.headers).toMatchObject({ note: `=${i}\r\n` });
        expect(result.duplicate).toBe(false);
      }
    }
  });

  it('answers a repeated explicit id within one chunk as a duplicate of the first append', async () => {
    const client = await env.client();
    const topic = uniqueName('chunk');
    await client.ensureTopic(topic, { partitions: 1 });
    const events = [
      { id: 'same', type: 't', payload: 1 },
      { type: 't', payload: 2 },
      { id: 'same', type: 't', payload: 3 },
      { id: 'other', type: 't', payload: 4 },
    ];
    const results = await client.producer().publishMany(topic, events);
    expect(results.map((r) => r.duplicate)).toEqual([false, false, true, false]);
    expect(results[2]!.entryId).toBe(results[0]!.entryId);
    expect(await client.redis.xlen(client.keys.partitionStream(topic, 0))).toBe(3);
    const again = await client.producer().publishMany(topic, events);
    expect(again.map((r) => r.duplicate)).toEqual([true, false, true, true]);
  });

  it('loads the script again after SCRIPT FLUSH and keeps every event of a large call in order', async () => {
    const client = await env.client();
    const topic = uniqueName('chunk');
    await client.ensureTopic(topic, { partitions: 3, retention: { maxLen: 100_000 } });
    const producer = client.producer();
    await producer.publish(topic, { type: 't', key: 'a', payload: -1 });
    await client.redis.script('FLUSH');
    const events = Array.from({ length: 5000 }, (_, i) => ({
      type: 't',
      key: `key-${i % 7}`,
      payload: { i },
    }));
    const results = await producer.publishMany(topic, events);
    // Entry ids are unique per stream: two partitions can hold the same one.
    expect(new Set(results.map((r) => `${r.partition}/${r.entryId}`)).size).toBe(5000);
    const byKey = new Map<string, number[]>();
    for (let partition = 0; partition < 3; partition++) {
      const entries = await client.redis.xrange(
        client.keys.partitionStream(topic, partition),
        '-',
        '+',
      );
      for (const [, fields] of entries) {
        const event = client.codec.decode<{ i: number }>(fields);
        if (event.payload.i === undefined) continue;
        const list = byKey.get(event.key!) ?? [];
        list.push(event.payload.i);
        byKey.set(event.key!, list);
      }
    }
    expect([...byKey.values()].flat()).toHaveLength(5000);
    for (const list of byKey.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
  });

  it('splits a call of large events into bounded requests, in key order', async () => {
    const client = await env.client();
    const topic = uniqueName('chunk');
    await client.ensureTopic(topic, { partitions: 1 });
    // With ids: events that need a marker go through the script, however large.
    const events = Array.from({ length: 30 }, (_, i) => ({
      id: `${topic}-${i}`,
      type: 't',
      key: 'k',
      payload: { i, fill: 'x'.repeat(900_000) },
    }));
    await client.redis.config('RESETSTAT');
    const results = await client.producer().publishMany(topic, events);
    const stats = await client.redis.info('commandstats');
    const calls =
      Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0) +
      Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    // 27 MB of fields in requests of at most about 4 MiB each.
    expect(calls).toBeGreaterThanOrEqual(7);
    expect(results.every((r) => !r.duplicate)).toBe(true);
    const entries = await client.redis.xrange(client.keys.partitionStream(topic, 0), '-', '+');
    expect(
      entries.map(([, fields]) => client.codec.decode<{ i: number }>(fields).payload.i),
    ).toEqual(events.map((_, i) => i));
  });

  it('keeps a marker as one integer and answers duplicates with the exact entry id', async () => {
    const client = await env.client();
    const topic = uniqueName('chunk');
    await client.ensureTopic(topic, { partitions: 1 });
    const producer = client.producer();
    // Thousands in one chunk: many share a millisecond, so sequences run to several digits.
    const events = Array.from({ length: 3000 }, (_, i) => ({
      id: `${topic}-${i}`,
      type: 't',
      payload: i,
    }));
    const first = await producer.publishMany(topic, events);
    expect(first.some((r) => !r.entryId.endsWith('-0'))).toBe(true);
    const again = await producer.publishMany(topic, events);
    expect(again.map((r) => r.duplicate)).toEqual(events.map(() => true));
    expect(again.map((r) => r.entryId)).toEqual(first.map((r) => r.entryId));
    const marker = client.keys.publishMarker(topic, 0, events[0]!.id);
    expect(await client.redis.object('ENCODING', marker)).toBe('int');
  });

  it('reads a marker written as a string (earlier releases) as it is', async () => {
    const client = await env.client();
    const topic = uniqueName('chunk');
    await client.ensureTopic(topic, { partitions: 1 });
    await client.redis.set(
      client.keys.publishMarker(topic, 0, 'old'),
      '1700000000000-12',
      'PX',
      60_000,
    );
    const result = await client.producer().publish(topic, { id: 'old', type: 't', payload: 1 });
    expect(result).toMatchObject({ duplicate: true, entryId: '1700000000000-12' });
    expect(await client.redis.xlen(client.keys.partitionStream(topic, 0))).toBe(0);
  });

  it('remembers an id for the window, then appends it again', async () => {
    const client = await env.client();
    const topic = uniqueName('chunk');
    await client.ensureTopic(topic, { partitions: 2 });
    const producer = client.producer({ idempotenceWindowMs: 1000 });
    const event = { id: uniqueName('event'), type: 't', key: 'k', payload: 1 };
    const startedAt = Date.now();
    const first = await producer.publish(topic, event);
    while (Date.now() - startedAt < 800) {
      expect(await producer.publish(topic, event)).toMatchObject({
        duplicate: true,
        entryId: first.entryId,
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    const later = await producer.publish(topic, event);
    expect(later.duplicate).toBe(false);
    expect(later.entryId).not.toBe(first.entryId);
  });

  it('appends large events by plain XADD between script chunks, keeping key order and results', async () => {
    const client = await env.client();
    const topic = uniqueName('chunk');
    await client.ensureTopic(topic, { partitions: 2 });
    const events = Array.from({ length: 60 }, (_, i) => ({
      type: 't',
      key: `k${i % 3}`,
      // Runs of small and large (> 2 KiB, no marker) events, and a large one with an id.
      payload: { i, fill: Math.floor(i / 4) % 2 === 0 ? '' : 'y'.repeat(5000) },
      ...(i === 30 ? { id: `${topic}-large` } : {}),
    }));
    const results = await client.producer().publishMany(topic, events);
    for (const [i, result] of results.entries()) {
      const [[, fields]] = (await client.redis.xrange(
        client.keys.partitionStream(topic, result.partition),
        result.entryId,
        result.entryId,
      )) as [[string, string[]]];
      expect(client.codec.decode<{ i: number }>(fields).payload.i).toBe(i);
    }
    const again = await client.producer().publish(topic, events[30]!);
    expect(again).toMatchObject({ duplicate: true, entryId: results[30]!.entryId });
    for (let partition = 0; partition < 2; partition++) {
      const entries = await client.redis.xrange(
        client.keys.partitionStream(topic, partition),
        '-',
        '+',
      );
      const byKey = new Map<string, number[]>();
      for (const [, fields] of entries) {
        const event = client.codec.decode<{ i: number }>(fields);
        byKey.set(event.key!, [...(byKey.get(event.key!) ?? []), event.payload.i]);
      }
      for (const list of byKey.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
    }
  });

  it('appends nothing of a batch of large events Redis refuses (OOM), and appends it whole after', async () => {
    const client = await env.client();
    const topic = uniqueName('chunk');
    await client.ensureTopic(topic, { partitions: 1 });
    const events = Array.from({ length: 5 }, (_, i) => ({
      type: 't',
      key: 'k',
      payload: { i, fill: 'z'.repeat(4000) },
    }));
    await client.redis.config('SET', 'maxmemory', '1');
    try {
      await expect(client.producer().publishMany(topic, events)).rejects.toThrow(/OOM|EXECABORT/);
    } finally {
      await client.redis.config('SET', 'maxmemory', '0');
    }
    const stream = client.keys.partitionStream(topic, 0);
    expect(await client.redis.xlen(stream)).toBe(0);
    await client.producer().publishMany(topic, events);
    const entries = await client.redis.xrange(stream, '-', '+');
    expect(
      entries.map(([, fields]) => client.codec.decode<{ i: number }>(fields).payload.i),
    ).toEqual([0, 1, 2, 3, 4]);
  });
});
