import { type LaunchedCluster, launchRedisCluster, uniqueName, waitFor } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStreamClient, type StreamClient, type Subscription } from '../src/index.js';
import { readLedger } from './helpers/effects-ledger.js';
import { pendingOf } from './helpers/pending.js';
import { useRedis } from './helpers/redis.js';
import { sequencedEvents } from './helpers/sequenced-events.js';

const single = useRedis();
let cluster: LaunchedCluster;
beforeAll(async () => {
  cluster = await launchRedisCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

const targets: Array<[string, () => Promise<StreamClient>]> = [
  ['a single Redis', () => createStreamClient({ url: single.redis.url })],
  ['a 3-master Redis Cluster', () => createStreamClient({ clusterNodes: cluster.nodes })],
];

describe.each(targets)('ordering key on %s', (_name, connect) => {
  it('8 partitions, 3 replicas, 20,000 events over 500 keys: once each, in key order, spread 3/3/2', async () => {
    const admin = await connect();
    const topic = uniqueName('orders');
    await admin.ensureTopic(topic, { partitions: 8 });
    const lastSeq = new Map<string, number>();
    let violations = 0;
    let handled = 0;
    const clients: StreamClient[] = [];
    const subscriptions: Subscription[] = [];
    for (const consumer of ['r1', 'r2', 'r3']) {
      const client = await connect();
      clients.push(client);
      subscriptions.push(
        await client.subscribe<{ key: string; seq: number }>({
          topic,
          group: 'g',
          consumer,
          ordering: 'key',
          concurrency: 32,
          batchSize: 200,
          sessionTimeoutMs: 3000,
          heartbeatIntervalMs: 200,
          handler: (event, ctx) => {
            const { key, seq } = event.payload;
            if (seq !== (lastSeq.get(key) ?? 0) + 1) violations++;
            lastSeq.set(key, seq);
            handled++;
            ctx.effects
              .hincrby(ctx.stateKey('handled'), event.id, 1)
              .hincrby(ctx.stateKey('consumers'), consumer, 1);
          },
        }),
      );
    }
    await waitFor(
      () =>
        subscriptions
          .map((s) => s.ownedPartitions.length)
          .sort()
          .join() === '2,3,3',
      {
        description: 'the 8 partitions spread 3/3/2',
        timeoutMs: 15_000,
      },
    );
    const owned = subscriptions.flatMap((s) => s.ownedPartitions).sort((a, b) => a - b);
    expect(owned).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const events = sequencedEvents(20_000, 500);
    for (let i = 0; i < events.length; i += 2000)
      await admin.producer().publishMany(topic, events.slice(i, i + 2000));
    await waitFor(() => handled >= 20_000, {
      description: '20,000 events handled',
      timeoutMs: 90_000,
    });
    await Promise.all(subscriptions.map((s) => s.close()));
    const ledger = await readLedger(admin, topic, 8);
    expect(ledger).toMatchObject({ applied: 20_000, duplicates: 0 });
    expect(handled).toBe(20_000);
    expect(violations).toBe(0);
    expect(Object.keys(ledger.perConsumer).sort()).toEqual(['r1', 'r2', 'r3']);
    if (admin.connection.cluster) {
      // Partitions spread over the masters: every master holds some partition streams.
      const masters = (admin.redis as import('ioredis').Cluster).nodes('master');
      const holding = await Promise.all(
        masters.map(async (node) => {
          let streams = 0;
          for (let p = 0; p < 8; p++)
            streams += await node.exists(admin.keys.partitionStream(topic, p)).catch(() => 0);
          return streams;
        }),
      );
      expect(holding.filter((count) => count > 0).length).toBe(masters.length);
    }
    await Promise.all([...clients, admin].map((client) => client.close()));
  });

  it('takes a partition back after a fenced read when the assignment still gives it to this replica', async () => {
    const client = await connect();
    const topic = uniqueName('refenced');
    await client.ensureTopic(topic, { partitions: 1 });
    const handled: number[] = [];
    const lost: string[] = [];
    const subscription = await client.subscribe<{ n: number }>({
      topic,
      group: 'g',
      consumer: 'c',
      ordering: 'key',
      blockMs: 200,
      heartbeatIntervalMs: 1000,
      sessionTimeoutMs: 10_000,
      handler: (event) => void handled.push(event.payload.n),
    });
    subscription.on('consumer.partition.lost', ({ reason }) => lost.push(reason));
    const producer = client.producer();
    await producer.publish(topic, { type: 't', key: 'k', payload: { n: 1 } });
    await waitFor(() => handled.length === 1, { description: 'the first event' });
    // Someone else's value shows up on the lease for a moment; the read the next event wakes
    // up is fenced (before the heartbeat notices), and the worker stops.
    await client.redis.set(client.keys.lease(topic, 0, 'g'), 'intruder', 'PX', 1500);
    await producer.publish(topic, { type: 't', key: 'k', payload: { n: 2 } });
    await waitFor(() => lost.length > 0, { description: 'the partition lost' });
    expect(lost[0]).toBe('read fenced');
    // Still the only member: once the foreign lease expires it is acquired again.
    await waitFor(() => handled.includes(2), {
      description: 'the second event, after the partition was taken back',
      timeoutMs: 15_000,
    });
    expect(subscription.ownedPartitions).toEqual([0]);
    await subscription.close();
    await client.close();
  });

  it('keeps what its partitions have read and not yet settled within maxInFlight', async () => {
    const client = await connect();
    const topic = uniqueName('backpressure');
    await client.ensureTopic(topic, { partitions: 8 });
    await client.producer().publishMany(topic, sequencedEvents(400, 400));
    let releaseHandlers!: () => void;
    const handlersMayFinish = new Promise<void>((resolve) => {
      releaseHandlers = resolve;
    });
    let started = 0;
    let handled = 0;
    const subscription = await client.subscribe({
      topic,
      group: 'g',
      consumer: 'c',
      ordering: 'key',
      batchSize: 10,
      maxInFlight: 20,
      concurrency: 100,
      handler: async () => {
        started++;
        await handlersMayFinish;
        handled++;
      },
    });
    await waitFor(() => subscription.ownedPartitions.length === 8 && started >= 20, {
      description: 'all partitions owned and the first reads running',
      timeoutMs: 15_000,
    });
    // Time for every partition's reader to try: without a shared reservation each of the 8
    // would read a full batch (80 entries) although only 20 may be in flight.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await pendingOf(client, topic, 8, 'c')).toBeLessThanOrEqual(20);
    expect(started).toBeLessThanOrEqual(20);
    releaseHandlers();
    await waitFor(() => handled === 400, { description: 'all 400 handled', timeoutMs: 30_000 });
    await subscription.close();
    await client.close();
  });
});
