import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import type { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { Producer, StreamClient } from '../src/index.js';
import { useCluster } from './helpers/cluster.js';
import { readLedger } from './helpers/effects-ledger.js';
import { ledgerHandler } from './helpers/ledger-handler.js';
import { sequencedEvents } from './helpers/sequenced-events.js';

// redis-restart.test.ts and vanishing-state.test.ts on a 3-master Redis Cluster: masters are
// restarted and flushed, so the cluster is private, with AOF so a restarted master keeps its data.
const env = useCluster({ own: true, persistence: 'aof-always' });

/** Publishes one chunk, retrying on errors while a master is down (same event ids: idempotent). */
async function publishWithRetry(
  producer: Producer,
  topic: string,
  events: ReturnType<typeof sequencedEvents>,
) {
  for (;;) {
    try {
      return await producer.publishMany(topic, events);
    } catch {
      await sleep(100);
    }
  }
}

function masters(client: StreamClient) {
  return (client.redis as Cluster).nodes('master');
}

describe.each(['none', 'key'] as const)('Redis Cluster state faults (ordering %s)', (ordering) => {
  it('resumes after two masters are killed and restarted mid-run; every published event is applied once', async () => {
    const admin = await env.client();
    const topic = uniqueName('topic');
    await admin.ensureTopic(topic, { partitions: 6 });
    const consumerClient = await env.client();
    const subscription = await consumerClient.subscribe({
      topic,
      group: 'g',
      consumer: 'survivor',
      ordering,
      blockMs: 300,
      claimIdleMs: 1000,
      claimIntervalMs: 300,
      sessionTimeoutMs: 5000,
      heartbeatIntervalMs: 300,
      handler: ledgerHandler('survivor', 1),
    });
    const happenings: string[] = [];
    for (const name of [
      'consumer.partition.lost',
      'consumer.partition.assigned',
      'consumer.partition.revoked',
      'consumer.connection.error',
    ] as const)
      subscription.on(name, (payload) =>
        happenings.push(`${Date.now() % 100000} ${name} ${JSON.stringify(payload)}`.slice(0, 200)),
      );
    const producer = (await env.client()).producer({ idempotence: 'always' });
    const events = sequencedEvents(3000, 60).map((event, i) => ({
      ...event,
      id: `0190a5e2-7c3d-7000-8000-${String(i).padStart(12, '0')}`,
    }));
    const [first, second] = env.cluster.servers;
    for (let i = 0; i < events.length; i += 250) {
      await publishWithRetry(producer, topic, events.slice(i, i + 250));
      // Well inside cluster-node-timeout: the other masters never mark it failed.
      if (i === 750) await first!.restart({ downtimeMs: 300 });
      if (i === 2000) await second!.restart({ downtimeMs: 300 });
    }
    await waitFor(
      async () =>
        (await readLedger(admin, topic, 6).catch(() => ({ applied: 0 }))).applied === 3000,
      { description: 'all 3000 events applied after two restarts', timeoutMs: 60_000 },
    ).catch(async (error: unknown) => {
      // Say where the missing events are: never appended, pending, or read and not applied.
      const perPartition = [];
      for (let p = 0; p < 6; p++) {
        const stream = admin.keys.partitionStream(topic, p);
        perPartition.push({
          p,
          length: await admin.redis.xlen(stream),
          applied: Object.keys(await admin.redis.hgetall(admin.keys.state(topic, p, 'handled')))
            .length,
          pending: ((await admin.redis.xpending(stream, 'g')) as unknown[])[0],
          groups: await admin.redis.xinfo('GROUPS', stream),
        });
      }
      throw new Error(
        `${(error as Error).message}: ${JSON.stringify(perPartition)} owned ${JSON.stringify(
          subscription.ownedPartitions,
        )} happenings ${JSON.stringify(happenings)}`,
      );
    });
    await subscription.close();
    const ledger = await readLedger(admin, topic, 6);
    expect(ledger.duplicates).toBe(0);
    if (ordering === 'key') expect(ledger.violations).toBe(0);
  });

  it('recovers from its streams being deleted and from FLUSHALL on every master within a bounded time', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 3 });
    const seen = new Set<number>();
    const recreated: string[] = [];
    const subscription = await client.subscribe<{ n: number }>({
      topic,
      group: 'g',
      consumer: 'c',
      ordering,
      blockMs: 1000,
      heartbeatIntervalMs: 100,
      sessionTimeoutMs: 1500,
      claimIntervalMs: 200,
      handler: (event) => void seen.add(event.payload.n),
    });
    subscription.on('consumer.group.recreated', ({ stream }) => recreated.push(stream));
    const producer = client.producer();
    const publish = (n: number) =>
      producer.publishMany(
        topic,
        [0, 1, 2, 3, 4, 5].map((k) => ({ type: 't', key: `k${k}`, payload: { n: n * 10 + k } })),
      );
    await publish(1);
    await waitFor(() => seen.size === 6, { description: 'the first events' });

    // The readers block; delete every partition stream under them (one DEL per slot).
    await sleep(300);
    for (let partition = 0; partition < 3; partition++)
      await client.redis.del(client.keys.partitionStream(topic, partition));
    const deletedAt = Date.now();
    await sleep(300);
    await publish(2);
    await waitFor(() => seen.size === 12, {
      description: 'events after the streams were deleted',
      timeoutMs: 15_000,
    });
    expect(Date.now() - deletedAt).toBeLessThan(10_000);

    await sleep(300);
    await Promise.all(masters(client).map((node) => node.flushall()));
    client.topics.invalidate();
    const flushedAt = Date.now();
    await waitFor(
      async () => (await client.topics.getTopic(topic, { fresh: true })) !== undefined,
      { description: 'the topic metadata to be restored', timeoutMs: 15_000 },
    );
    await publish(3);
    await waitFor(() => seen.size === 18, {
      description: 'events after FLUSHALL',
      timeoutMs: 15_000,
    });
    expect(Date.now() - flushedAt).toBeLessThan(15_000);
    expect(recreated.length).toBeGreaterThan(0);
    await subscription.close();
  });
});
