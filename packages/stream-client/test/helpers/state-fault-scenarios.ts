import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import { expect } from 'vitest';
import type { Producer, StreamClient } from '../../src/index.js';
import { readLedger } from './effects-ledger.js';
import { ledgerHandler } from './ledger-handler.js';
import { loose } from './loose-options.js';
import { sequencedEvents } from './sequenced-events.js';

type Ordering = 'none' | 'key';

/** Publishes one chunk, retrying on errors while Redis is down (the same event ids: idempotent). */
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

/**
 * Redis (or a master of a cluster) is killed and restarted twice while 3,000 events are
 * published in chunks by a publisher that retries on errors: every event is applied exactly
 * once, and in key order for ordering key. `restart(n)` performs the n-th restart (0 or 1).
 */
export async function restartsMidRun(scenario: {
  connect: () => Promise<StreamClient>;
  ordering: Ordering;
  partitions: number;
  restart: (n: 0 | 1) => Promise<void>;
}): Promise<void> {
  const { connect, ordering, partitions } = scenario;
  const admin = await connect();
  const topic = uniqueName('topic');
  await admin.ensureTopic(topic, { partitions });
  const subscription = await (await connect()).subscribe(
    loose({
      topic,
      group: 'g',
      consumer: 'survivor',
      ordering,
      blockMs: 300,
      ...(ordering === 'key'
        ? { sessionTimeoutMs: 5000, heartbeatIntervalMs: 300 }
        : { claimIdleMs: 1000, claimIntervalMs: 300 }),
      handler: ledgerHandler('survivor', 1),
    }),
  );
  const producer = (await connect()).producer({ idempotence: 'always' });
  // Explicit ids so a publish retried across a restart cannot append twice.
  const events = sequencedEvents(3000, 60).map((event, i) => ({
    ...event,
    id: `0190a5e2-7c3d-7000-8000-${String(i).padStart(12, '0')}`,
  }));
  for (let i = 0; i < events.length; i += 250) {
    await publishWithRetry(producer, topic, events.slice(i, i + 250));
    if (i === 750) await scenario.restart(0);
    if (i === 2000) await scenario.restart(1);
  }
  await waitFor(
    async () =>
      (await readLedger(admin, topic, partitions).catch(() => ({ applied: 0 }))).applied === 3000,
    { description: 'all 3000 events applied after two restarts', timeoutMs: 60_000 },
  ).catch(async (error: unknown) => {
    throw new Error(
      `${(error as Error).message}: ${JSON.stringify(await whereEventsAre(admin, topic, partitions))}`,
    );
  });
  await subscription.close();
  const ledger = await readLedger(admin, topic, partitions);
  expect(ledger.duplicates).toBe(0);
  if (ordering === 'key') expect(ledger.violations).toBe(0);
}

/** Per partition: appended, applied, pending: tells lost from stuck when a run times out. */
async function whereEventsAre(client: StreamClient, topic: string, partitions: number) {
  const rows = [];
  for (let partition = 0; partition < partitions; partition++) {
    const stream = client.keys.partitionStream(topic, partition);
    const handled = await client.redis.hgetall(client.keys.state(topic, partition, 'handled'));
    rows.push({
      partition,
      appended: await client.redis.xlen(stream),
      applied: Object.keys(handled).length,
      pending: ((await client.redis.xpending(stream, 'g')) as unknown[])[0],
    });
  }
  return rows;
}

/**
 * The partition streams are deleted, then everything is flushed, while the consumer's readers
 * block: each time the group (and the topic metadata) is recreated and consumption resumes
 * within a bounded time.
 */
export async function stateVanishesUnderReaders(scenario: {
  client: StreamClient;
  ordering: Ordering;
  partitions: number;
  /** Distinct keys per publish round; events of a round spread over the partitions. */
  keys: number;
  flushAll: () => Promise<unknown>;
}): Promise<void> {
  const { client, ordering, partitions, keys } = scenario;
  const topic = uniqueName('topic');
  await client.ensureTopic(topic, { partitions });
  const seen = new Set<number>();
  const recreated: string[] = [];
  const subscription = await client.subscribe<{ n: number }>(
    loose<{ n: number }>({
      topic,
      group: 'g',
      consumer: 'c',
      ordering,
      blockMs: 1000,
      ...(ordering === 'key'
        ? { heartbeatIntervalMs: 100, sessionTimeoutMs: 1500 }
        : { claimIntervalMs: 200 }),
      handler: (event) => void seen.add(event.payload.n),
    }),
  );
  subscription.on('consumer.group.recreated', ({ stream }) => recreated.push(stream));
  const producer = client.producer();
  const publish = (round: number) =>
    producer.publishMany(
      topic,
      Array.from({ length: keys }, (_, k) => ({
        type: 't',
        key: `k${k}`,
        payload: { n: round * 100 + k },
      })),
    );
  await publish(1);
  await waitFor(() => seen.size === keys, { description: 'the first events' });

  // The readers are blocked waiting; delete every partition stream under them (one DEL per
  // stream: on a cluster they live in different slots).
  await sleep(300);
  for (let partition = 0; partition < partitions; partition++)
    await client.redis.del(client.keys.partitionStream(topic, partition));
  const deletedAt = Date.now();
  await sleep(300);
  await publish(2);
  await waitFor(() => seen.size === 2 * keys, {
    description: 'events after the streams were deleted',
    timeoutMs: 15_000,
  });
  expect(Date.now() - deletedAt).toBeLessThan(10_000);

  await sleep(300);
  await scenario.flushAll();
  client.topics.invalidate();
  const flushedAt = Date.now();
  // The consumer puts the topic metadata back (recreation policy), so producers keep working.
  await waitFor(async () => (await client.topics.getTopic(topic, { fresh: true })) !== undefined, {
    description: 'the topic metadata to be restored',
    timeoutMs: 15_000,
  });
  await publish(3);
  await waitFor(() => seen.size === 3 * keys, {
    description: 'events after FLUSHALL',
    timeoutMs: 15_000,
  });
  expect(Date.now() - flushedAt).toBeLessThan(15_000);
  expect(recreated.length).toBeGreaterThan(0);
  await subscription.close();
}
