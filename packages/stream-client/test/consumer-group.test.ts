import { uniqueName, waitFor } from '@redstream/testkit';
import { Registry } from 'prom-client';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { NonRetriableError, type StreamClient, type Subscription } from '../src/index.js';
import { useRedis } from './helpers/redis.js';

const env = useRedis();

async function topicWith(client: StreamClient, partitions: number, events = 0) {
  const topic = uniqueName('topic');
  await client.ensureTopic(topic, { partitions });
  if (events > 0) {
    await client.producer().publishMany(
      topic,
      Array.from({ length: events }, (_, i) => ({
        type: 'test.event',
        key: `key-${i % 50}`,
        payload: { i },
      })),
    );
  }
  return topic;
}

describe('consumer groups (ordering none)', () => {
  it('3 consumers share 10,000 events: each handled once, all three work', async () => {
    const client = await env.client();
    const topic = await topicWith(client, 8, 10_000);
    const seen = new Map<number, number>();
    const perConsumer: Record<string, number> = {};
    const subscriptions: Subscription[] = [];
    for (const consumer of ['c1', 'c2', 'c3']) {
      const own = await env.client();
      subscriptions.push(
        await own.subscribe<{ i: number }>({
          topic,
          group: 'workers',
          consumer,
          batchSize: 50,
          handler: async (event) => {
            seen.set(event.payload.i, (seen.get(event.payload.i) ?? 0) + 1);
            perConsumer[consumer] = (perConsumer[consumer] ?? 0) + 1;
            // Yield so the three replicas interleave instead of one draining everything.
            await new Promise((resolve) => setImmediate(resolve));
          },
        }),
      );
    }
    await waitFor(() => seen.size === 10_000, {
      description: '10,000 distinct events',
      timeoutMs: 60_000,
    });
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    for (const consumer of ['c1', 'c2', 'c3']) expect(perConsumer[consumer]).toBeGreaterThan(500);
    const lag = await client.admin.groupLag(topic, 'workers');
    expect(lag.totals).toMatchObject({ lag: 0, pending: 0 });
  });

  it('start positions: beginning sees earlier events, end does not, a timestamp starts at the right entry', async () => {
    const client = await env.client();
    const topic = await topicWith(client, 1);
    const producer = client.producer();
    await producer.publishMany(
      topic,
      [0, 1, 2].map((i) => ({ type: 'early', payload: { i } })),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const boundary = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const late = await producer.publishMany(
      topic,
      [3, 4].map((i) => ({ type: 'late', payload: { i } })),
    );

    const collect = async (
      group: string,
      startFrom: Parameters<StreamClient['subscribe']>[0]['startFrom'],
      expected: number,
    ) => {
      const got: number[] = [];
      const subscription = await client.subscribe<{ i: number }>({
        topic,
        group,
        consumer: 'c',
        startFrom,
        handler: (event) => void got.push(event.payload.i),
      });
      await waitFor(() => got.length >= expected, {
        description: `${expected} events for ${group}`,
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await subscription.close();
      return got.sort();
    };
    expect(await collect('from-beginning', 'beginning', 5)).toEqual([0, 1, 2, 3, 4]);
    expect(await collect('from-time', { timestamp: boundary }, 2)).toEqual([3, 4]);
    expect(await collect('from-id', { id: late[0]!.entryId }, 1)).toEqual([4]);

    const fromEnd: number[] = [];
    const subscription = await client.subscribe<{ i: number }>({
      topic,
      group: 'from-end',
      consumer: 'c',
      startFrom: 'end',
      handler: (event) => void fromEnd.push(event.payload.i),
    });
    await producer.publish(topic, { type: 'after', payload: { i: 5 } });
    await waitFor(() => fromEnd.length === 1, {
      description: 'the event published after subscribing',
    });
    await subscription.close();
    expect(fromEnd).toEqual([5]);
  });

  it('retries a failing handler with backoff and applies its effects once', async () => {
    const client = await env.client();
    const topic = await topicWith(client, 2);
    const attempts: number[] = [];
    const subscription = await client.subscribe<{ n: number }>({
      topic,
      group: 'g',
      consumer: 'c',
      retryBackoff: { baseMs: 200, maxMs: 400 },
      handler: async (event, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt <= 2) throw new Error(`transient failure ${ctx.attempt}`);
        ctx.effects.incrby(ctx.stateKey('applied'), event.payload.n);
      },
    });
    const [published] = await client
      .producer()
      .publishMany(topic, [{ type: 'job', key: 'k', payload: { n: 7 } }]);
    await waitFor(() => attempts.length === 3, {
      description: 'three attempts',
      timeoutMs: 15_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await subscription.close();
    expect(attempts).toEqual([1, 2, 3]);
    expect(await client.redis.get(client.keys.state(topic, published!.partition, 'applied'))).toBe(
      '7',
    );
    expect((await client.admin.groupLag(topic, 'g')).totals).toMatchObject({
      pending: 0,
      retryPending: 0,
    });
  });

  it('delivers a retry scheduled by a replica that has left, through one that never scheduled any', async () => {
    // Backoff has full jitter: pin it near its ceiling so the retry is due after the close.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999);
    onTestFinished(() => random.mockRestore());
    const topic = await topicWith(await env.client(), 1);
    const failedBy: string[] = [];
    const handledBy: string[] = [];
    const replicas = new Map<string, Subscription>();
    for (const name of ['r1', 'r2']) {
      const client = await env.client();
      replicas.set(
        name,
        await client.subscribe({
          topic,
          group: 'g',
          consumer: name,
          claimIntervalMs: 200,
          retryBackoff: { baseMs: 1500, maxMs: 1500 },
          handler: (_event, ctx) => {
            if (ctx.attempt === 1) {
              failedBy.push(name);
              throw new Error('first attempt fails');
            }
            handledBy.push(name);
          },
        }),
      );
    }
    const producer = (await env.client()).producer();
    await producer.publish(topic, { type: 'job', key: 'k', payload: {} });
    await waitFor(() => failedBy.length === 1, { description: 'the first attempt failed' });
    // The replica that scheduled the retry leaves before it is due; its job stays in Redis.
    const scheduler = failedBy[0]!;
    await replicas.get(scheduler)!.close();
    await waitFor(() => handledBy.length === 1, {
      description: 'the retry handled by the other replica',
      timeoutMs: 15_000,
    });
    expect(handledBy).toEqual([scheduler === 'r1' ? 'r2' : 'r1']);
    for (const [name, subscription] of replicas) if (name !== scheduler) await subscription.close();
  });

  it('dead-letters garbage entries, non-retriable errors and exhausted retries while the rest flows', async () => {
    const client = await env.client();
    const topic = await topicWith(client, 1);
    const stream = client.keys.partitionStream(topic, 0);
    const handled: string[] = [];
    const subscription = await client.subscribe<{ kind: string }>({
      topic,
      group: 'g',
      consumer: 'c',
      maxDeliveries: 2,
      retryBackoff: { baseMs: 50, maxMs: 100 },
      handler: (event) => {
        if (event.payload.kind === 'always-fails') throw new Error('downstream is down');
        if (event.payload.kind === 'refused')
          throw new NonRetriableError('amount must be positive');
        handled.push(event.payload.kind);
      },
    });
    const producer = client.producer();
    await producer.publish(topic, { type: 't', payload: { kind: 'ok-1' } });
    await client.redis.xadd(stream, '*', 'garbage', '\x00\xff', 'v', 'not-a-version');
    await producer.publish(topic, { type: 't', payload: { kind: 'always-fails' } });
    await producer.publish(topic, { type: 't', payload: { kind: 'refused' } });
    await producer.publish(topic, { type: 't', payload: { kind: 'ok-2' } });
    await waitFor(async () => (await client.admin.listDeadLetters(topic)).length === 3, {
      description: 'three dead letters',
      timeoutMs: 15_000,
    });
    await subscription.close();
    expect(handled.sort()).toEqual(['ok-1', 'ok-2']);
    const deadLetters = await client.admin.listDeadLetters(topic);
    const reasons = Object.fromEntries(
      deadLetters.map((dl) => [
        (dl.event?.payload as { kind?: string } | undefined)?.kind ?? 'garbage',
        dl,
      ]),
    );
    expect(reasons.garbage).toMatchObject({
      reason: 'decode-failed',
      group: 'g',
      partition: 0,
      attempts: 1,
    });
    expect(reasons['always-fails']).toMatchObject({
      reason: 'max-deliveries',
      attempts: 2,
      error: expect.stringContaining('downstream is down'),
    });
    expect(reasons.refused).toMatchObject({
      reason: 'non-retriable',
      attempts: 1,
      error: expect.stringContaining('amount must be positive'),
    });
    expect((await client.admin.groupLag(topic, 'g')).totals.pending).toBe(0);
  });

  it('recreates a destroyed group and keeps consuming', async () => {
    const client = await env.client();
    const topic = await topicWith(client, 1);
    const seen: number[] = [];
    const recreated: string[] = [];
    const subscription = await client.subscribe<{ i: number }>({
      topic,
      group: 'g',
      consumer: 'c',
      blockMs: 200,
      handler: (event) => void seen.push(event.payload.i),
    });
    subscription.on('consumer.group.recreated', ({ stream }) => recreated.push(stream));
    await client.producer().publish(topic, { type: 't', payload: { i: 1 } });
    await waitFor(() => seen.length === 1, { description: 'first event' });
    await client.redis.xgroup('DESTROY', client.keys.partitionStream(topic, 0), 'g');
    await client.producer().publish(topic, { type: 't', payload: { i: 2 } });
    await waitFor(() => seen.includes(2), {
      description: 'event after the group vanished',
      timeoutMs: 10_000,
    });
    await subscription.close();
    expect(recreated).toContain(client.keys.partitionStream(topic, 0));
  });

  it('resumes after its connections are killed mid-run, losing nothing', async () => {
    const client = await env.client();
    const topic = await topicWith(client, 4);
    const consumerClient = await env.client({ clientName: 'victim' });
    const seen = new Set<number>();
    const subscription = await consumerClient.subscribe<{ i: number }>({
      topic,
      group: 'g',
      consumer: 'c',
      blockMs: 200,
      handler: async (event) => {
        seen.add(event.payload.i);
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
    });
    const producer = client.producer();
    for (let round = 0; round < 5; round++) {
      await producer.publishMany(
        topic,
        Array.from({ length: 200 }, (_, j) => ({
          type: 't',
          key: `k${j}`,
          payload: { i: round * 200 + j },
        })),
      );
      const list = String(await client.redis.client('LIST'));
      for (const line of list.split('\n').filter((l) => l.includes('name=victim'))) {
        const id = /id=(\d+)/.exec(line)?.[1];
        if (id) await client.redis.client('KILL', 'ID', id).catch(() => {});
      }
    }
    await waitFor(() => seen.size === 1000, { description: 'all 1000 events', timeoutMs: 30_000 });
    await subscription.close();
  });

  it('does not steal an entry from a live replica whose handler outlasts claimIdleMs', async () => {
    const client = await env.client();
    const topic = await topicWith(client, 1);
    const calls: string[] = [];
    const slow = await (await env.client()).subscribe({
      topic,
      group: 'g',
      consumer: 'slow',
      claimIdleMs: 400,
      claimIntervalMs: 100,
      handler: async () => {
        calls.push('slow');
        await new Promise((resolve) => setTimeout(resolve, 1500));
      },
    });
    await client.producer().publish(topic, { type: 't', payload: {} });
    await waitFor(() => calls.length === 1, { description: 'the slow handler to start' });
    const thief = await (await env.client()).subscribe({
      topic,
      group: 'g',
      consumer: 'thief',
      claimIdleMs: 400,
      claimIntervalMs: 100,
      handler: () => void calls.push('thief'),
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await Promise.all([slow.close(), thief.close()]);
    expect(calls).toEqual(['slow']);
  });

  it('acks away pending entries that were deleted before anyone claimed them', async () => {
    const client = await env.client();
    const topic = await topicWith(client, 1);
    const stream = client.keys.partitionStream(topic, 0);
    await client
      .subscribe({ topic, group: 'g', consumer: 'probe', handler: () => {} })
      .then((s) => s.close());
    const results = await client.producer().publishMany(
      topic,
      [1, 2, 3].map((i) => ({ type: 't', payload: { i } })),
    );
    // A replica read them and died; then the entries were deleted (trim, XDEL).
    await client.redis.xreadgroup(
      'GROUP',
      'g',
      'dead-replica',
      'COUNT',
      10,
      'STREAMS',
      stream,
      '>',
    );
    await client.redis.xdel(stream, results[0]!.entryId, results[1]!.entryId);
    const seen: number[] = [];
    const subscription = await client.subscribe<{ i: number }>({
      topic,
      group: 'g',
      consumer: 'c',
      claimIdleMs: 100,
      claimIntervalMs: 100,
      handler: (event) => void seen.push(event.payload.i),
    });
    await waitFor(
      async () => Number(((await client.redis.xpending(stream, 'g')) as [number])[0]) === 0,
      { description: 'an empty pending list', timeoutMs: 10_000 },
    );
    await subscription.close();
    expect(seen).toEqual([3]);
  });

  it('forgets departed consumer names only once nothing is pending for them', async () => {
    const client = await env.client();
    const topic = await topicWith(client, 1);
    const stream = client.keys.partitionStream(topic, 0);
    await client
      .subscribe({ topic, group: 'g', consumer: 'probe', handler: () => {} })
      .then((s) => s.close());
    await client.producer().publish(topic, { type: 't', payload: {} });
    // "holder" still has an entry pending (it never acked); "gone" read nothing and left.
    await client.redis.xreadgroup('GROUP', 'g', 'holder', 'COUNT', 1, 'STREAMS', stream, '>');
    await client.redis.xgroup('CREATECONSUMER', stream, 'g', 'gone');
    const subscription = await client.subscribe({
      topic,
      group: 'g',
      consumer: 'live',
      claimIdleMs: 60_000,
      claimIntervalMs: 50,
      forgetConsumersAfterMs: 300,
      handler: () => {},
    });
    const names = async () =>
      ((await client.redis.xinfo('CONSUMERS', stream, 'g')) as unknown[][]).map((row) =>
        String(row[1]),
      );
    await waitFor(async () => !(await names()).includes('gone'), {
      description: '"gone" to be forgotten',
      timeoutMs: 10_000,
    });
    await subscription.close();
    expect(await names()).toContain('holder');
  });

  it('exports metrics to an injected prom-client registry', async () => {
    const registry = new Registry();
    const client = await env.client({ metricsRegistry: registry });
    const topic = await topicWith(client, 2, 20);
    let calls = 0;
    const subscription = await client.subscribe({
      topic,
      group: 'g',
      consumer: 'c',
      handler: () => {
        calls++;
        if (calls === 1) throw new NonRetriableError('first one fails');
      },
    });
    await waitFor(() => calls === 20, { description: '20 handler calls' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await subscription.close();
    const text = await registry.metrics();
    expect(text).toMatch(
      new RegExp(`redstream_consumer_handled_total\\{topic="${topic}",group="g"\\} 19`),
    );
    expect(text).toMatch(
      new RegExp(
        `redstream_consumer_dead_lettered_total\\{topic="${topic}",group="g",reason="non-retriable"\\} 1`,
      ),
    );
    expect(text).toContain('redstream_consumer_handler_duration_seconds_bucket');
  });
});
