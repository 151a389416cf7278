import { uniqueName } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import type { StreamClient } from '../src/index.js';
import { useCluster } from './helpers/cluster.js';
import { useRedis } from './helpers/redis.js';

/**
 * The publish window (appendChunk-n.lua): an event id published idempotently is remembered
 * for at least idempotenceWindowMs (and at most one and a half windows), across its time
 * buckets, in small hashes.
 */
const single = useRedis();
const cluster = useCluster();
const targets = [
  { target: 'single Redis', env: single },
  { target: '3-master cluster', env: cluster },
] as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function serverMs(client: StreamClient): Promise<number> {
  const [seconds, micros] = await client.redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

describe.each(targets)('publish window ($target)', ({ env }) => {
  it('remembers an id for the whole window across bucket boundaries, then forgets it', async () => {
    const client = await env.client();
    const topic = uniqueName('window');
    await client.ensureTopic(topic, { partitions: 4 });
    const windowMs = 1000;
    const producer = client.producer({ idempotenceWindowMs: windowMs });
    const event = { id: uniqueName('event'), type: 't', key: 'k', payload: 1 };
    const first = await producer.publish(topic, event);
    const firstAt = await serverMs(client);
    expect(first.duplicate).toBe(false);
    // Half-window buckets: these retries cross at least one boundary.
    while ((await serverMs(client)) < firstAt + windowMs - 150) {
      const again = await producer.publish(topic, event);
      expect(again).toMatchObject({ duplicate: true, entryId: first.entryId });
      await sleep(50);
    }
    // At most one and a half windows after the first append (plus the bucket's rounding).
    await sleep(windowMs * 1.5 + 200);
    const later = await producer.publish(topic, event);
    expect(later.duplicate).toBe(false);
    expect(later.entryId).not.toBe(first.entryId);
  });

  it('keeps a steady stream of ids in packed hashes: the second bucket is sized from the first', async () => {
    const client = await env.client();
    const topic = uniqueName('window');
    await client.ensureTopic(topic, { partitions: 1 });
    const windowMs = 4000;
    const span = windowMs / 2;
    const producer = client.producer({ idempotenceWindowMs: windowMs });
    const publishIds = (from: number) =>
      producer.publishMany(
        topic,
        Array.from({ length: 5000 }, (_, i) => ({
          id: `${topic}-${from + i}`,
          type: 't',
          key: 'k',
          payload: i,
        })),
      );
    // Start just after a bucket boundary, so each batch lands in one bucket.
    await sleep(span - ((await serverMs(client)) % span) + 20);
    await publishIds(0);
    await sleep(span - ((await serverMs(client)) % span) + 20);
    const secondBucket = Math.floor((await serverMs(client)) / span);
    const results = await publishIds(5000);
    expect(results.every((r) => !r.duplicate)).toBe(true);
    // Ids of the first bucket are still known.
    const retried = await publishIds(0);
    expect(retried.every((r) => r.duplicate)).toBe(true);

    const windowKey = client.keys.publishWindow(topic, 0);
    const hashCount = Number(await client.redis.hget(windowKey, String(secondBucket)));
    expect(hashCount).toBeGreaterThanOrEqual(5000 / 128);
    let ids = 0;
    let bytes = 0;
    for (let slot = 0; slot < hashCount; slot++) {
      const key = `${windowKey}:${secondBucket}:${slot}`;
      expect(await client.redis.object('ENCODING', key)).toBe('listpack');
      expect(await client.redis.pttl(key)).toBeGreaterThan(0);
      ids += (await client.redis.hlen(key)) - 1;
      bytes += Number(await client.redis.memory('USAGE', key));
    }
    expect(ids).toBe(5000);
    // About 55 bytes of id and entry id per event; a key per id cost about 200.
    expect(bytes / ids).toBeLessThan(100);
  });
});
