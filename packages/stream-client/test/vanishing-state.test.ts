import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ClosedError } from '../src/index.js';
import { useRedis } from './helpers/redis.js';

// FLUSHALL and CONFIG SET: this file needs a private server.
const env = useRedis({ own: true });

describe.each(['none', 'key'] as const)(
  'state vanishing under blocked readers (ordering %s)',
  (ordering) => {
    const options = {
      blockMs: 1000,
      heartbeatIntervalMs: 100,
      sessionTimeoutMs: 1500,
      claimIntervalMs: 200,
    };

    it('recovers from the stream being deleted and from FLUSHALL within a bounded time', async () => {
      const client = await env.client();
      const topic = uniqueName('topic');
      await client.ensureTopic(topic, { partitions: 2 });
      const seen = new Set<number>();
      const recreated: string[] = [];
      const subscription = await client.subscribe<{ n: number }>({
        ...options,
        topic,
        group: 'g',
        consumer: 'c',
        ordering,
        handler: (event) => void seen.add(event.payload.n),
      });
      subscription.on('consumer.group.recreated', ({ stream }) => recreated.push(stream));
      const producer = client.producer();
      const publish = (n: number) =>
        producer.publishMany(
          topic,
          [0, 1, 2, 3].map((k) => ({ type: 't', key: `k${k}`, payload: { n: n * 10 + k } })),
        );
      await publish(1);
      await waitFor(() => seen.size === 4, { description: 'the first events' });

      // The readers are blocked waiting; delete both partition streams under them.
      await sleep(300);
      await client.redis.del(
        client.keys.partitionStream(topic, 0),
        client.keys.partitionStream(topic, 1),
      );
      const deletedAt = Date.now();
      await sleep(300);
      await publish(2);
      await waitFor(() => seen.size === 8, {
        description: 'events after the streams were deleted',
        timeoutMs: 15_000,
      });
      expect(Date.now() - deletedAt).toBeLessThan(10_000);

      await sleep(300);
      await client.redis.flushall();
      client.topics.invalidate();
      const flushedAt = Date.now();
      // The consumer puts the topic metadata back (recreation policy), so producers keep working.
      await waitFor(
        async () => (await client.topics.getTopic(topic, { fresh: true })) !== undefined,
        {
          description: 'the topic metadata to be restored',
          timeoutMs: 15_000,
        },
      );
      await publish(3);
      await waitFor(() => seen.size === 12, {
        description: 'events after FLUSHALL',
        timeoutMs: 15_000,
      });
      expect(Date.now() - flushedAt).toBeLessThan(15_000);
      expect(recreated.length).toBeGreaterThan(0);
      await subscription.close();
    });
  },
);

describe('maxmemory-policy check', () => {
  it('warns when Redis may evict keys, and refuses when asked to', async () => {
    const admin = await env.client();
    await admin.redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const client = await env.client({ logger });
    expect(client.connection.features.maxmemoryPolicy).toBe('allkeys-lru');
    expect(lines.some((line) => line.includes('maxmemory-policy is allkeys-lru'))).toBe(true);
    await expect(env.client({ requireNoEviction: true })).rejects.toBeInstanceOf(ClosedError);
    await admin.redis.config('SET', 'maxmemory-policy', 'noeviction');
  });
});
