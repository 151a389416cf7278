import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientPause,
  clusterTopology,
  keySlot,
  killMasterAndAwaitFailover,
  type LaunchedCluster,
  launchRedisCluster,
  masterForKey,
  serverCommand,
  sleep,
} from '../src/index.js';

// One 3 + 3 cluster for the file: replicas, key placement, pause and failover helpers are what
// the stream client's cluster fault tests build on, so they are checked here against Redis.
let cluster: LaunchedCluster;
beforeAll(async () => {
  cluster = await launchRedisCluster({
    masters: 3,
    replicasPerMaster: 1,
    nodeTimeoutMs: 1000,
    own: true,
  });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

describe('launchRedisCluster with replicas', () => {
  it('starts 3 masters, each with one replica in sync', async () => {
    expect(cluster.servers).toHaveLength(6);
    const topology = await clusterTopology(cluster);
    const masters = topology.filter((node) => node.role === 'master');
    const replicas = topology.filter((node) => node.role === 'replica');
    expect(masters).toHaveLength(3);
    expect(replicas).toHaveLength(3);
    expect(new Set(replicas.map((node) => node.masterId))).toEqual(
      new Set(masters.map((node) => node.id)),
    );
    expect(masters.map((node) => node.server)).toEqual(
      expect.arrayContaining(cluster.masterServers),
    );
  });

  it('computes key slots as Redis does', async () => {
    for (const key of ['a', 'orders', '{rs:t}:group:g:members', '{rs:t:3}:lease:g', '{}x', 'x{}']) {
      expect(keySlot(key)).toBe(
        await serverCommand(cluster.masterServers[0]!, ['CLUSTER', 'KEYSLOT', key]),
      );
    }
  });

  it('finds the master of a key, and CLIENT PAUSE stalls only that master', async () => {
    const master = await masterForKey(cluster, '{tag-1}:k');
    const other = cluster.masterServers.find((server) => server !== master.server)!;
    await clientPause(master.server, 1500);
    const started = Date.now();
    // Another master answers at once; the paused one only after the pause.
    await serverCommand(other, ['PING']);
    expect(Date.now() - started).toBeLessThan(500);
    await serverCommand(master.server, ['PING']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('kills a master and waits until its replica serves its slots', async () => {
    const client = new Cluster(cluster.nodes);
    try {
      const key = '{failover}:k';
      await client.set(key, 'before');
      await sleep(200); // let the write reach the replica
      const master = await masterForKey(cluster, key);
      const { promoted, failoverMs } = await killMasterAndAwaitFailover(cluster, master.server);
      expect(promoted).not.toBe(master.server);
      expect((await masterForKey(cluster, key)).server).toBe(promoted);
      expect(failoverMs).toBeLessThan(20_000);
      expect(await client.get(key)).toBe('before');
    } finally {
      client.disconnect();
    }
  });
});
