import { type ServiceProcess, sleep, uniqueName, waitFor } from '@redstream/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { publishInBackground } from './helpers/background-publisher.js';
import { readLedger } from './helpers/effects-ledger.js';
import { leaseOwners } from './helpers/lease-owners.js';
import { useRedis } from './helpers/redis.js';
import { startWorker } from './helpers/workers.js';

const env = useRedis();
const workers: ServiceProcess[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) {
    worker.signal('SIGCONT');
    await worker.stop(3000);
  }
});

const SESSION_TIMEOUT_MS = 3000;
const HEARTBEAT_MS = 300;

async function setup(partitions = 8) {
  const client = await env.client();
  const topic = uniqueName('orders');
  await client.ensureTopic(topic, { partitions });
  const base = {
    REDIS_URL: env.redis.url,
    TOPIC: topic,
    GROUP: 'g',
    ORDERING: 'key' as const,
    SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
    HEARTBEAT_MS: String(HEARTBEAT_MS),
    HANDLER_DELAY_MS: '3',
    CONCURRENCY: '8',
    BATCH_SIZE: '50',
    MAX_IN_FLIGHT: '100',
  };
  const start = async (name: string, extra: Record<string, string> = {}) => {
    const worker = await startWorker({ ...base, CONSUMER: name, ...extra });
    workers.push(worker);
    return worker;
  };
  const owners = () => leaseOwners(client, topic, 'g', partitions);
  return { client, topic, start, owners, partitions };
}

function ownedBy(owners: Array<string | null>, name: string): number[] {
  return owners.flatMap((owner, partition) => (owner === name ? [partition] : []));
}

describe('ordering key: membership changes', () => {
  it('survives churn (join, SIGKILL, SIGTERM, restart under the same name) with no loss, duplicate or order break', async () => {
    const { client, topic, start, owners, partitions } = await setup();
    const w1 = await start('w1');
    const w2 = await start('w2');
    await start('w3');
    await waitFor(
      async () =>
        (await owners()).every((owner) => owner !== null) && new Set(await owners()).size === 3,
      {
        description: 'three owners',
        timeoutMs: 15_000,
      },
    );
    const publisher = publishInBackground(client, topic, 8000, 200);

    await sleep(800);
    await start('w4');
    await sleep(1200);

    const heldByW2 = ownedBy(await owners(), 'w2');
    expect(heldByW2.length).toBeGreaterThan(0);
    w2.signal('SIGKILL');
    await w2.exited;
    const killedAt = Date.now();
    await waitFor(
      async () =>
        ownedBy(await owners(), 'w2').length === 0 &&
        (await owners()).every((owner) => owner !== null),
      {
        description: "the killed replica's partitions to move",
        timeoutMs: 15_000,
        intervalMs: 50,
      },
    );
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(SESSION_TIMEOUT_MS + HEARTBEAT_MS + 1000);

    const w3 = workers.find((worker) => worker.name === 'w3')!;
    w3.signal('SIGTERM');
    expect(await w3.waitForExit(15_000)).toEqual({ code: 0, signal: null });

    // Restart w1 under the same name: it takes its own partitions back (static membership).
    w1.signal('SIGKILL');
    await w1.exited;
    await start('w1');

    await publisher.done;
    await waitFor(async () => (await readLedger(client, topic, partitions)).applied === 8000, {
      description: 'all 8000 events applied',
      timeoutMs: 60_000,
    });
    const ledger = await readLedger(client, topic, partitions);
    expect(ledger).toMatchObject({ applied: 8000, duplicates: 0, violations: 0 });
    expect(Object.keys(ledger.perConsumer).length).toBeGreaterThanOrEqual(3);
  });

  it('fences a replica paused past its lease: after SIGCONT it cannot ack or apply effects', async () => {
    const { client, topic, start, owners, partitions } = await setup(4);
    const paused = await start('paused', { HANDLER_DELAY_MS: '20' });
    await start('steady');
    await waitFor(
      async () => new Set(await owners()).size === 2 && (await owners()).every(Boolean),
      { description: 'two owners', timeoutMs: 15_000 },
    );
    const publisher = publishInBackground(client, topic, 3000, 60, 100, 30);
    await sleep(600);
    const pausedPartitions = ownedBy(await owners(), 'paused');
    paused.signal('SIGSTOP');
    await waitFor(
      async () => ownedBy(await owners(), 'paused').length === 0 && (await owners()).every(Boolean),
      {
        description: 'the steady replica to take over the paused one',
        timeoutMs: 15_000,
      },
    );
    await sleep(500);
    paused.signal('SIGCONT');
    await paused.waitForLine(/consumer\.partition\.lost/, 15_000);
    await publisher.done;
    await waitFor(async () => (await readLedger(client, topic, partitions)).applied === 3000, {
      description: 'all applied',
      timeoutMs: 60_000,
    });
    const ledger = await readLedger(client, topic, partitions);
    expect(ledger).toMatchObject({ applied: 3000, duplicates: 0, violations: 0 });
    expect(pausedPartitions.length).toBeGreaterThan(0);
    // The woken replica rejoins and may own partitions again, but only under a new epoch.
    const lost = paused
      .jsonLines<{ event?: string; partition?: number }>()
      .filter((line) => line.event === 'consumer.partition.lost');
    expect(lost.map((line) => line.partition).sort()).toEqual(
      expect.arrayContaining(pausedPartitions),
    );
  });

  it('scales down gracefully: SIGTERM drains and releases, the others take over well within the session timeout', async () => {
    const { start, owners } = await setup();
    await start('a');
    await start('b');
    const leaving = await start('c');
    await waitFor(
      async () => new Set(await owners()).size === 3 && (await owners()).every(Boolean),
      { description: 'three owners', timeoutMs: 15_000 },
    );
    const stoppedAt = Date.now();
    leaving.signal('SIGTERM');
    expect(await leaving.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    await waitFor(
      async () => ownedBy(await owners(), 'c').length === 0 && (await owners()).every(Boolean),
      {
        description: 'partitions of c to move',
        timeoutMs: 10_000,
        intervalMs: 20,
      },
    );
    expect(Date.now() - stoppedAt).toBeLessThan(SESSION_TIMEOUT_MS / 2);
  });

  it('gives a replica restarted under the same name its partitions back without moving any', async () => {
    const { start, owners } = await setup();
    const stable = await start('stable');
    const restarting = await start('restarting');
    await waitFor(
      async () => new Set(await owners()).size === 2 && (await owners()).every(Boolean),
      { description: 'two owners', timeoutMs: 15_000 },
    );
    await sleep(HEARTBEAT_MS * 3);
    const before = await owners();
    const assignedBefore = stable
      .jsonLines()
      .filter((line) => line.event === 'consumer.partition.assigned').length;
    restarting.signal('SIGKILL');
    await restarting.exited;
    const back = await start('restarting');
    await waitFor(
      async () =>
        back.jsonLines().filter((line) => line.event === 'consumer.partition.assigned').length ===
        ownedBy(before, 'restarting').length,
      {
        description: 'the restarted replica to reclaim its partitions',
        timeoutMs: 10_000,
      },
    );
    await sleep(HEARTBEAT_MS * 4);
    expect(await owners()).toEqual(before);
    expect(
      stable.jsonLines().filter((line) => line.event === 'consumer.partition.assigned').length,
    ).toBe(assignedBefore);
  });
});
