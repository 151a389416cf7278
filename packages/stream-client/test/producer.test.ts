import { CodecError } from '@redstream/codec';
import { uniqueName, waitFor } from '@redstream/testkit';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import {
  InvalidEventError,
  InvalidNameError,
  PartitionMismatchError,
  partitionFor,
  StreamClientError,
  TopicNotFoundError,
} from '../src/index.js';
import { useRedis } from './helpers/redis.js';

const env = useRedis();

describe('topics', () => {
  it('stores the partition count and refuses a different one', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    const info = await client.ensureTopic(topic, { partitions: 4, retention: { maxLen: 1000 } });
    expect(info).toMatchObject({ name: topic, partitions: 4, retention: { maxLen: 1000 } });
    await expect(client.ensureTopic(topic, { partitions: 4 })).resolves.toMatchObject({
      partitions: 4,
    });
    const error = await client
      .ensureTopic(topic, { partitions: 8 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PartitionMismatchError);
    expect((error as Error).message).toMatch(/has 4 partitions in Redis but 8 were configured/);
    expect(await client.topics.listTopics()).toContain(topic);
  });

  it('rejects names that would break the key layout, and unknown topics', async () => {
    const client = await env.client();
    await expect(client.ensureTopic('bad{name}', { partitions: 1 })).rejects.toBeInstanceOf(
      InvalidNameError,
    );
    await expect(
      client.producer().publish(uniqueName('missing'), { type: 't', payload: 1 }),
    ).rejects.toBeInstanceOf(TopicNotFoundError);
  });
});

describe('producer', () => {
  it('places keyed events by murmur2 and returns entry ids in input order', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 8 });
    const events = Array.from({ length: 500 }, (_, i) => ({
      type: 'order.created',
      key: `order-${i % 37}`,
      payload: { i },
    }));
    const results = await client.producer().publishMany(topic, events);
    expect(results).toHaveLength(500);
    results.forEach((result, i) => {
      expect(result.partition).toBe(partitionFor(events[i]!.key, result.eventId, 8));
      expect(result.entryId).toMatch(/^\d+-\d+$/);
    });
    let total = 0;
    for (let p = 0; p < 8; p++)
      total += await client.redis.xlen(client.keys.partitionStream(topic, p));
    expect(total).toBe(500);
    // Entry ids within a partition follow publish order.
    const first = results.filter((r) => r.partition === results[0]!.partition);
    const stored = await client.redis.xrange(
      client.keys.partitionStream(topic, results[0]!.partition),
      '-',
      '+',
    );
    expect(stored.map(([id]) => id)).toEqual(first.map((r) => r.entryId));
  });

  it('spreads keyless events over partitions', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 4 });
    const results = await client.producer().publishMany(
      topic,
      Array.from({ length: 400 }, () => ({ type: 'tick', payload: null })),
    );
    const perPartition = [0, 0, 0, 0];
    for (const result of results) perPartition[result.partition]!++;
    for (const count of perPartition) expect(count).toBeGreaterThan(50);
  });

  it('appends a retried publish of the same event id once within the window', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 2 });
    const producer = client.producer();
    const event = {
      id: '0190a5e2-7c3d-7000-8000-000000000001',
      type: 'order.paid',
      key: 'order-1',
      payload: { amount: 5 },
    };
    const first = await producer.publish(topic, event);
    const again = await producer.publish(topic, event);
    const batch = await producer.publishMany(topic, [event, event]);
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({
      duplicate: true,
      entryId: first.entryId,
      partition: first.partition,
    });
    expect(batch.every((result) => result.duplicate && result.entryId === first.entryId)).toBe(
      true,
    );
    expect(await client.redis.xlen(client.keys.partitionStream(topic, first.partition))).toBe(1);
  });

  it('applies MAXLEN retention on append', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 1, retention: { maxLen: 100 } });
    await client.producer().publishMany(
      topic,
      Array.from({ length: 3000 }, (_, i) => ({ type: 't', payload: i })),
    );
    const length = await client.redis.xlen(client.keys.partitionStream(topic, 0));
    // Approximate trimming (~) removes whole nodes: near 100, far below 3000.
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(400);
  });

  it("trims by maxAgeMs on the server's clock, whatever the producer's clock says", async () => {
    const client = await env.client();
    const maxAgeMs = 60_000;
    const ahead = uniqueName('topic');
    const behind = uniqueName('topic');
    await client.ensureTopic(ahead, { partitions: 1, retention: { maxAgeMs } });
    await client.ensureTopic(behind, { partitions: 1, retention: { maxAgeMs } });
    // 300 entries appended 10 minutes ago by the server's clock: past the retention.
    const [seconds] = await client.redis.time();
    const tenMinutesAgo = Number(seconds) * 1000 - 10 * 60_000;
    const behindStream = client.keys.partitionStream(behind, 0);
    for (let i = 0; i < 300; i++)
      await client.redis.xadd(behindStream, `${tenMinutesAgo}-${i + 1}`, 'old', String(i));
    const producer = client.producer();
    const events = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 't', payload: i }));
    const explicitIds = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: uniqueName('e'), type: 't', payload: i }));
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      // A producer whose clock runs two retention periods ahead must not trim what was just
      // appended (unread entries included): plain appends and idempotent ones.
      vi.setSystemTime(Date.now() + 2 * maxAgeMs);
      await producer.publishMany(ahead, events(300));
      await producer.publishMany(ahead, explicitIds(300));
      expect(await client.redis.xlen(client.keys.partitionStream(ahead, 0))).toBe(600);
      // One whose clock runs an hour behind still trims what the server sees as too old.
      vi.setSystemTime(Date.now() - 2 * maxAgeMs - 3_600_000);
      await producer.publishMany(behind, events(10));
      // Approximate trimming removes whole nodes of 100: most of the 300 old entries go.
      expect(await client.redis.xlen(behindStream)).toBeLessThan(300);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not trim a safe-retention topic on append', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 1, retention: { maxLen: 10, safe: true } });
    await client.producer().publishMany(
      topic,
      Array.from({ length: 500 }, (_, i) => ({ type: 't', payload: i })),
    );
    expect(await client.redis.xlen(client.keys.partitionStream(topic, 0))).toBe(500);
  });
});

describe('events the codec refuses', () => {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  const cases: Array<[string, { type: string; payload: unknown }, string]> = [
    ['a function payload', { type: 't', payload: { f: () => 1 } }, 'CODEC_UNSUPPORTED_VALUE'],
    ['a circular payload', { type: 't', payload: circular }, 'CODEC_NESTING_TOO_DEEP'],
    ['an empty type', { type: '', payload: 1 }, 'CODEC_BAD_EVENT'],
  ];

  it.each(cases)(
    'rejects %s with an InvalidEventError (a StreamClientError) and appends nothing',
    async (_, event, codecCode) => {
      const client = await env.client();
      const topic = uniqueName('topic');
      await client.ensureTopic(topic, { partitions: 1 });
      const producer = client.producer();
      for (const attempt of [
        () => producer.publish(topic, event),
        () => producer.publishMany(topic, [{ type: 'ok', payload: 1 }, event]),
        () => producer.publish(topic, event, { delayMs: 60_000 }),
      ]) {
        const error = await attempt().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(StreamClientError);
        expect(error).toBeInstanceOf(InvalidEventError);
        expect(error).toMatchObject({ code: 'RS_EVENT_INVALID', retriable: false, codecCode });
        expect((error as Error).cause).toBeInstanceOf(CodecError);
        expect(((error as Error).cause as CodecError).code).toBe(codecCode);
      }
      expect(await client.redis.xlen(client.keys.partitionStream(topic, 0))).toBe(0);
    },
  );
});

describe('delayed publish', () => {
  it('appends a delayed event once, after the delay', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 1 });
    await client.runDelayedDelivery(topic);
    const producer = client.producer();
    const started = Date.now();
    const scheduled = await producer.publish(
      topic,
      { type: 'reminder', key: 'k', payload: { n: 1 } },
      { delayMs: 700 },
    );
    expect(scheduled.entryId).toBe('');
    const stream = client.keys.partitionStream(topic, 0);
    expect(await client.redis.xlen(stream)).toBe(0);
    await waitFor(async () => (await client.redis.xlen(stream)) === 1, {
      description: 'the delayed event',
      timeoutMs: 10_000,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await client.redis.xlen(stream)).toBe(1);
  });

  it('takes any event id, including ids with colons and integer-like ids, once per id', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 1 });
    await client.runDelayedDelivery(topic);
    const producer = client.producer();
    // BullMQ refuses job ids with ':' and integer-like ones; 'a:b' and 'a_b' must stay two jobs.
    const ids = ['order:42', '12345', 'a:b', 'a_b', '%3A'];
    for (const id of ids) {
      const first = await producer.publish(
        topic,
        { id, type: 'reminder', key: 'k', payload: { id } },
        { delayMs: 300 },
      );
      const again = await producer.publish(
        topic,
        { id, type: 'reminder', key: 'k', payload: { id } },
        { delayMs: 300 },
      );
      expect([id, first.duplicate, again.duplicate]).toEqual([id, false, true]);
    }
    const stream = client.keys.partitionStream(topic, 0);
    await waitFor(async () => (await client.redis.xlen(stream)) === ids.length, {
      description: 'every delayed event',
      timeoutMs: 10_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const entries = await client.redis.xrange(stream, '-', '+');
    const appended = entries.map(([, fields]) => client.codec.decode(fields).id).sort();
    expect(appended).toEqual([...ids].sort());
  });

  it('finds a job an earlier version scheduled under the bare event id', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 1 });
    const connection = (client.redis as Redis).duplicate();
    const queue = new Queue(client.keys.delayedQueueName(topic), {
      connection,
      prefix: client.keys.bullPrefix(),
    });
    const id = '0190a5e2-7c3d-7000-8000-0000000000bb';
    await queue.add('publish', {}, { jobId: id, delay: 60_000 });
    const again = await client
      .producer()
      .publish(topic, { id, type: 'reminder', payload: {} }, { delayMs: 60_000 });
    expect(again.duplicate).toBe(true);
    expect(await queue.getJobCounts('delayed')).toEqual({ delayed: 1 });
    await queue.close();
    connection.disconnect();
  });

  it('fires once when scheduled twice and when the scheduling process is gone', async () => {
    const scheduler = await env.client();
    const topic = uniqueName('topic');
    await scheduler.ensureTopic(topic, { partitions: 1 });
    const event = {
      id: '0190a5e2-7c3d-7000-8000-0000000000aa',
      type: 'reminder',
      key: 'k',
      payload: {},
    };
    const at = Date.now() + 800;
    const first = await scheduler.producer().publish(topic, event, { at });
    const second = await scheduler.producer().publish(topic, event, { at });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    await scheduler.close();

    // Another process (a restarted producer) runs delivery: the job survived in Redis.
    const deliverer = await env.client();
    await deliverer.runDelayedDelivery(topic);
    const stream = deliverer.keys.partitionStream(topic, 0);
    await waitFor(async () => (await deliverer.redis.xlen(stream)) === 1, {
      description: 'the delayed event',
      timeoutMs: 10_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await deliverer.redis.xlen(stream)).toBe(1);
  });
});
