import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { NonRetriableError, type StreamClient } from '../src/index.js';
import { loose } from './helpers/loose-options.js';
import { useRedis } from './helpers/redis.js';
import {
  deadLettersOf,
  FAST,
  gate,
  MODES,
  type NextConsumerEvents,
  onNext,
} from './helpers/settle-contracts.js';

/**
 * Issue 14, defects 11 and 14: instrumentation operators alert on. One event per real
 * transition, in both modes: the in-flight gauge in ordering key, no dead letter counted that
 * was never written, no silence about entries trimmed while pending, connection errors in
 * ordering key, one partition.lost per lost partition.
 */
const env = useRedis();
// Tests that kill every connection or restart Redis get their own server.
const own = useRedis({ own: true });

async function metricValues(registry: Registry, name: string, topic: string): Promise<number[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  const { values } = await metric.get();
  return values.filter((value) => value.labels.topic === topic).map((value) => value.value);
}

async function newTopic(client: StreamClient, partitions = 1): Promise<string> {
  const topic = uniqueName('instr');
  await client.ensureTopic(topic, { partitions });
  return topic;
}

describe.each(MODES)('instrumentation (ordering %s)', (ordering) => {
  it(`sets the in-flight gauge while handlers run${ordering === 'none' ? ' (guard: passes today)' : ''}`, async () => {
    const registry = new Registry();
    const client = await env.client({ metricsRegistry: registry });
    const topic = await newTopic(client, 2);
    const release = gate();
    let started = 0;
    let handled = 0;
    const subscription = await client.subscribe(
      loose({
        ...FAST[ordering],
        topic,
        group: 'g',
        consumer: 'c',
        ordering,
        handler: async () => {
          started++;
          await release.wait;
          handled++;
        },
      }),
    );
    await client.producer().publishMany(
      topic,
      Array.from({ length: 10 }, (_, n) => ({ type: 't', key: `k${n}`, payload: { n } })),
    );
    await waitFor(() => started === 10, { description: '10 handlers running' });
    await sleep(200);
    const during = await metricValues(registry, 'redstream_consumer_in_flight', topic);
    release.open();
    await waitFor(() => handled === 10, { description: 'all handled' });
    await waitFor(
      async () => (await metricValues(registry, 'redstream_consumer_in_flight', topic))[0] === 0,
      { description: 'the gauge back to 0', timeoutMs: 3000 },
    ).catch(() => {});
    const after = await metricValues(registry, 'redstream_consumer_in_flight', topic);
    await subscription.close();
    const seen = JSON.stringify({ during, after });
    expect(during, seen).toHaveLength(1);
    expect(during[0], seen).toBeGreaterThanOrEqual(10);
    expect(after, seen).toEqual([0]);
  });

  it('does not count a dead letter that was not written (the entry was acked by someone else meanwhile)', async () => {
    const registry = new Registry();
    const client = await env.client({ metricsRegistry: registry });
    const topic = await newTopic(client);
    const stream = client.keys.partitionStream(topic, 0);
    const failed: string[] = [];
    const deadLettered: string[] = [];
    const subscription = await client.subscribe(
      loose({
        ...FAST[ordering],
        topic,
        group: 'g',
        consumer: 'c',
        ordering,
        handler: async (_event, ctx) => {
          // Someone else (an operator, another tool) acks it while the handler runs.
          await client.redis.xack(stream, 'g', ctx.entryId);
          throw new NonRetriableError('refused');
        },
      }),
    );
    subscription.on('consumer.failed', ({ entryId }) => void failed.push(entryId));
    subscription.on('consumer.dead-lettered', ({ entryId, reason }) =>
      deadLettered.push(`${entryId}:${reason}`),
    );
    await client.producer().publish(topic, { type: 't', key: 'k', payload: {} });
    await waitFor(() => failed.length === 1, { description: 'the handler failed' });
    await sleep(500);
    await subscription.close();
    const observed = {
      failed: failed.length,
      deadLettered,
      counted: await metricValues(registry, 'redstream_consumer_dead_lettered_total', topic),
      written: (await deadLettersOf(client, topic)).length,
    };
    const seen = JSON.stringify(observed);
    expect(observed.written, seen).toBe(0);
    expect(observed.deadLettered, seen).toEqual([]);
    expect(
      observed.counted.reduce((sum, value) => sum + value, 0),
      seen,
    ).toBe(0);
  });

  const trimmedScenarios = [
    { holder: 'a departed replica', consumer: 'dead' },
    { holder: 'this replica itself (read before a restart)', consumer: 'c' },
  ];

  it.each(trimmedScenarios)(
    'reports entries trimmed while pending in $holder (consumer.skipped or a log line), not silence',
    async ({ consumer }) => {
      const client = await env.client();
      const topic = await newTopic(client);
      const stream = client.keys.partitionStream(topic, 0);
      await client
        .subscribe(
          loose({
            ...FAST[ordering],
            topic,
            group: 'g',
            consumer: 'probe',
            ordering,
            handler: () => {},
          }),
        )
        .then((s) => s.close());
      const trimmed = await client.producer().publishMany(
        topic,
        [1, 2, 3].map((n) => ({ type: 't', key: `k${n}`, payload: { n } })),
      );
      await client.redis.xreadgroup('GROUP', 'g', consumer, 'COUNT', 10, 'STREAMS', stream, '>');
      await client.redis.xtrim(stream, 'MAXLEN', 0);
      await client.producer().publish(topic, { type: 't', key: 'k', payload: { n: 4 } });

      const lines: Array<{ level: number; msg: string }> = [];
      const logger = pino(
        { level: 'info' },
        { write: (line: string) => void lines.push(JSON.parse(line)) },
      );
      const consumerClient = await env.client({ logger });
      const handled: number[] = [];
      const skipped: NextConsumerEvents['consumer.skipped'][] = [];
      const sub = await consumerClient.subscribe<{ n: number }>(
        loose<{ n: number }>({
          ...FAST[ordering],
          // Ordering none: pending entries of others are claimed at once.
          ...(ordering === 'none' ? { claimIdleMs: 100, claimIntervalMs: 100 } : {}),
          topic,
          group: 'g',
          consumer: 'c',
          ordering,
          handler: (event) => void handled.push(event.payload.n),
        }),
      );
      onNext(sub, 'consumer.skipped', (payload) => void skipped.push(payload));
      await waitFor(
        async () =>
          handled.includes(4) &&
          Number(((await client.redis.xpending(stream, 'g')) as [number])[0]) === 0,
        { description: 'the fresh event handled and the pending list empty', timeoutMs: 10_000 },
      );
      await sleep(300);
      await sub.close();
      const trimmedIds = trimmed.map((result) => result.entryId);
      const reported = skipped.filter((event) => ['trimmed', 'deleted'].includes(event.reason));
      const logged = lines.filter(
        (line) =>
          line.level >= 30 && /trimmed|deleted/i.test(line.msg) && !/vanished/i.test(line.msg),
      );
      const observed = JSON.stringify({ trimmedIds, skipped, logged, handled });
      expect(handled, observed).toEqual([4]);
      const everyIdReported = trimmedIds.every((id) =>
        reported.some((event) => event.entryId === id),
      );
      expect(everyIdReported || logged.length > 0, observed).toBe(true);
    },
  );
});

describe('consumer.partition.lost (ordering key)', () => {
  it('fires once per lost partition: a lost lease of 2 partitions with handlers in flight is 2 events', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 2);
    const lost: Array<{ partition: number; epoch: number; reason: string }> = [];
    const subscription = await client.subscribe(
      loose({
        ...FAST.key,
        topic,
        group: 'g',
        consumer: 'c',
        ordering: 'key',
        concurrency: 50,
        drainTimeoutMs: 1000,
        handler: () => sleep(300),
      }),
    );
    subscription.on('consumer.partition.lost', (payload) => void lost.push(payload));
    await waitFor(() => subscription.ownedPartitions.length === 2, {
      description: 'both partitions owned',
    });
    await client.producer().publishMany(
      topic,
      Array.from({ length: 400 }, (_, n) => ({ type: 't', key: `k${n % 200}`, payload: { n } })),
    );
    await waitFor(() => subscription.inFlight >= 20, { description: 'handlers in flight' });
    // Another owner shows up on both leases (and keeps them): two real losses.
    for (const partition of [0, 1])
      await client.redis.set(
        client.keys.lease(topic, partition, 'g'),
        'intruder|999999',
        'PX',
        60_000,
      );
    await sleep(3000);
    const observed = [...lost];
    await subscription.close();
    const perPartition = { 0: 0, 1: 0 } as Record<number, number>;
    for (const event of observed)
      perPartition[event.partition] = (perPartition[event.partition] ?? 0) + 1;
    expect(perPartition, JSON.stringify({ total: observed.length, events: observed })).toEqual({
      0: 1,
      1: 1,
    });
  });
});

describe.each(MODES)('consumer.connection.error (ordering %s, private Redis)', (ordering) => {
  const faults = [
    {
      name: 'its connections are killed (CLIENT KILL TYPE normal)',
      apply: async (admin: StreamClient) => {
        // SKIPME yes (the default): the admin's own connection stays.
        const killed = await admin.redis.client('KILL', 'TYPE', 'NORMAL');
        expect(Number(killed)).toBeGreaterThan(0);
      },
    },
    { name: 'Redis restarts', apply: async () => own.redis.restart() },
  ];

  it.each(faults)('fires when $name', async (fault) => {
    const admin = await own.client();
    const client = await own.client();
    const topic = await newTopic(admin, 2);
    const handled: number[] = [];
    const errors: string[] = [];
    const subscription = await client.subscribe<{ n: number }>(
      loose<{ n: number }>({
        ...FAST[ordering],
        topic,
        group: 'g',
        consumer: 'c',
        ordering,
        handler: (event) => void handled.push(event.payload.n),
      }),
    );
    subscription.on('consumer.connection.error', ({ error }) => void errors.push(error.message));
    await admin.producer().publish(topic, { type: 't', key: 'k', payload: { n: 1 } });
    await waitFor(() => handled.includes(1), { description: 'the first event' });
    await fault.apply(admin);
    await waitFor(() => errors.length > 0, {
      description: 'a consumer.connection.error event',
      timeoutMs: 10_000,
    }).catch(() => {});
    const observed = JSON.stringify({ errors });
    await subscription.close();
    expect(errors.length, observed).toBeGreaterThan(0);
  });
});
