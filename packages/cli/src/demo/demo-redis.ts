import type { StreamClientOptions } from '@redstream/stream-client';
import { launchRedis, launchRedisCluster, TestkitError } from '@redstream/testkit';
import { DemoError } from './demo-error.js';

/** The Redis a demo run talks to. */
export interface DemoRedis {
  /** Connection options for the demo's own client. */
  connection: Pick<StreamClientOptions, 'url' | 'clusterNodes'>;
  /** What the service processes get (the other variable emptied, so it cannot interfere). */
  childEnv: { REDIS_URL: string; REDIS_CLUSTER_NODES: string };
  /** Where, for the output (passwords hidden). */
  display: string;
  /** True when the demo started it and stops it at the end; false for REDIS_URL/REDIS_CLUSTER_NODES. */
  owned: boolean;
  stop(): Promise<void>;
}

/**
 * REDIS_URL (or REDIS_CLUSTER_NODES with --cluster) when set: that server is used and its data
 * stays for inspection. Otherwise a private redis-server (or a local 3-master cluster) is
 * started through the testkit launcher and stopped at the end.
 */
export async function provideRedis(cluster: boolean, env: NodeJS.ProcessEnv): Promise<DemoRedis> {
  try {
    return await launch(cluster, env);
  } catch (error) {
    // The launcher's messages say what to install or set: show them as they are.
    if (error instanceof TestkitError) throw new DemoError(error.message, { cause: error });
    throw error;
  }
}

async function launch(cluster: boolean, env: NodeJS.ProcessEnv): Promise<DemoRedis> {
  if (cluster) {
    const launched = await launchRedisCluster({ env });
    return {
      connection: { clusterNodes: launched.nodesString },
      childEnv: { REDIS_URL: '', REDIS_CLUSTER_NODES: launched.nodesString },
      display: `${launched.owned ? 'local Redis Cluster' : 'Redis Cluster from REDIS_CLUSTER_NODES'} ${launched.nodesString}`,
      owned: launched.owned,
      stop: () => launched.stop(),
    };
  }
  const launched = await launchRedis({ env });
  const origin =
    launched.source === 'env'
      ? 'REDIS_URL'
      : launched.source === 'testcontainers'
        ? 'a testcontainers Redis'
        : 'a private redis-server';
  return {
    connection: { url: launched.url },
    childEnv: { REDIS_URL: launched.url, REDIS_CLUSTER_NODES: '' },
    display: `${launched.displayUrl} (${origin})`,
    owned: launched.owned,
    stop: () => launched.stop(),
  };
}
