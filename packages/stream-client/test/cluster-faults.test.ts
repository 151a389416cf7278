import { type ServiceProcess, sleep, uniqueName, waitFor } from '@redstream/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { publishInBackground } from './helpers/background-publisher.js';
import { useCluster } from './helpers/cluster.js';
import { readLedger } from './helpers/effects-ledger.js';
import { leaseOwners } from './helpers/lease-owners.js';
import { pendingOf } from './helpers/pending.js';
import { killReplicaHoldingPending, startWorker } from './helpers/workers.js';

// The fault scenarios of crash-recovery.test.ts and ordered-membership.test.ts, on a local
// 3-master Redis Cluster: every partition's keys share one hash tag, so no step may CROSSSLOT.
const env = useCluster();
const workers: ServiceProcess[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop(3000)));
});

describe('faults on a Redis Cluster', () => {
  it('ordering none: the pending entries of a SIGKILLed replica are finished by the others, each applied once', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 6 });
    const common = await killReplicaHoldingPending({
      client,
      topic,
      partitions: 6,
      events: 600,
      connection: { CLUSTER_NODES: env.cluster.nodesString },
      track: (worker) => workers.push(worker),
    });
    workers.push(
      await startWorker({ ...common, CONSUMER: 'survivor-1' }),
      await startWorker({ ...common, CONSUMER: 'survivor-2' }),
    );
    await waitFor(async () => (await readLedger(client, topic, 6)).applied === 600, {
      description: 'all 600 applied',
      timeoutMs: 60_000,
    });
    expect((await readLedger(client, topic, 6)).duplicates).toBe(0);
    expect(await pendingOf(client, topic, 6, 'victim')).toBe(0);
  });

  it('ordering key: churn (join, SIGKILL, SIGTERM) keeps per-key order, loses nothing and duplicates no effect', async () => {
    const client = await env.client();
    const topic = uniqueName('orders');
    await client.ensureTopic(topic, { partitions: 6 });
    const base = {
      CLUSTER_NODES: env.cluster.nodesString,
      TOPIC: topic,
      GROUP: 'g',
      ORDERING: 'key' as const,
      SESSION_TIMEOUT_MS: '3000',
      HEARTBEAT_MS: '300',
      HANDLER_DELAY_MS: '3',
    };
    const start = async (name: string) => {
      const worker = await startWorker({ ...base, CONSUMER: name });
      workers.push(worker);
      return worker;
    };
    const owners = () => leaseOwners(client, topic, 'g', 6);
    await start('k1');
    const k2 = await start('k2');
    const k3 = await start('k3');
    await waitFor(
      async () => new Set(await owners()).size === 3 && (await owners()).every(Boolean),
      { description: 'three owners', timeoutMs: 15_000 },
    );
    const publisher = publishInBackground(client, topic, 4000, 120);
    await sleep(700);
    await start('k4');
    await sleep(800);
    k2.signal('SIGKILL');
    await k2.exited;
    await sleep(500);
    k3.signal('SIGTERM');
    expect(await k3.waitForExit(15_000)).toEqual({ code: 0, signal: null });
    await publisher.done;
    await waitFor(async () => (await readLedger(client, topic, 6)).applied === 4000, {
      description: 'all 4000 applied',
      timeoutMs: 60_000,
    });
    expect(await readLedger(client, topic, 6)).toMatchObject({
      applied: 4000,
      duplicates: 0,
      violations: 0,
    });
  });
});
