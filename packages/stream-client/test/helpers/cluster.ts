import {
  type LaunchClusterOptions,
  type LaunchedCluster,
  launchRedisCluster,
} from '@redstream/testkit';
import { afterAll, beforeAll } from 'vitest';
import {
  createStreamClient,
  type StreamClient,
  type StreamClientOptions,
} from '../../src/index.js';

/**
 * A local 3-master Redis Cluster per test file (or REDIS_CLUSTER_NODES) and clients closed
 * after it. `own`: always a private cluster (tests that restart or flush nodes); failover tests
 * add `replicasPerMaster` and a short `nodeTimeoutMs`.
 */
export function useCluster(options: LaunchClusterOptions = {}) {
  let cluster: LaunchedCluster | undefined;
  const clients: StreamClient[] = [];
  beforeAll(async () => {
    cluster = await launchRedisCluster(options);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
    await cluster?.stop();
  });
  return {
    get cluster(): LaunchedCluster {
      if (!cluster) throw new Error('cluster not launched yet');
      return cluster;
    },
    async client(extra: Partial<StreamClientOptions> = {}): Promise<StreamClient> {
      const client = await createStreamClient({ clusterNodes: this.cluster.nodes, ...extra });
      clients.push(client);
      return client;
    },
  };
}
