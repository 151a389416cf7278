import type { Cluster } from 'ioredis';
import { describe, it } from 'vitest';
import { useCluster } from './helpers/cluster.js';
import { restartsMidRun, stateVanishesUnderReaders } from './helpers/state-fault-scenarios.js';

// redis-restart.test.ts and vanishing-state.test.ts on a 3-master Redis Cluster: masters are
// restarted and flushed, so the cluster is private, with AOF so a restarted master keeps its data.
const env = useCluster({ own: true, persistence: 'aof-always' });

describe.each(['none', 'key'] as const)('Redis Cluster state faults (ordering %s)', (ordering) => {
  it('resumes after two masters are killed and restarted mid-run; every published event is applied once', async () => {
    await restartsMidRun({
      connect: () => env.client(),
      ordering,
      partitions: 6,
      // Well inside cluster-node-timeout: the other masters never mark it failed.
      restart: (n) => env.cluster.servers[n]!.restart({ downtimeMs: 300 }),
    });
  });

  it('recovers from its streams being deleted and from FLUSHALL on every master within a bounded time', async () => {
    const client = await env.client();
    await stateVanishesUnderReaders({
      client,
      ordering,
      partitions: 3,
      keys: 6,
      flushAll: () =>
        Promise.all((client.redis as Cluster).nodes('master').map((node) => node.flushall())),
    });
  });
});
