import { RedisUnavailableError } from './errors.js';
import { HOW_TO_GET_REDIS } from './how-to-get-redis.js';
import { type Persistence, RedisServerProcess } from './redis-server-process.js';
import { RespConnection } from './resp-connection.js';
import { findServerBinary } from './server-binary.js';
import { waitFor } from './wait-for.js';

export interface ClusterNode {
  host: string;
  port: number;
}

export interface LaunchedCluster {
  /** Startup nodes for `new Cluster(nodes)` / REDIS_CLUSTER_NODES. */
  nodes: ClusterNode[];
  /** `host:port,host:port,...`, the REDIS_CLUSTER_NODES form. */
  nodesString: string;
  servers: RedisServerProcess[];
  owned: boolean;
  stop(): Promise<void>;
}

const TOTAL_SLOTS = 16384;

/**
 * Starts a local Redis Cluster of `masters` nodes (default 3) on free ports, no replicas,
 * slots split evenly, and waits until every node reports `cluster_state:ok`.
 * With REDIS_CLUSTER_NODES set (and `own` not asked) it uses that cluster instead.
 */
export async function launchRedisCluster(
  options: {
    masters?: number;
    own?: boolean;
    persistence?: Persistence;
    env?: NodeJS.ProcessEnv;
    prefer?: 'redis' | 'valkey';
  } = {},
): Promise<LaunchedCluster> {
  const env = options.env ?? process.env;
  if (env.REDIS_CLUSTER_NODES && !options.own) {
    const nodes = parseClusterNodes(env.REDIS_CLUSTER_NODES);
    return {
      nodes,
      nodesString: env.REDIS_CLUSTER_NODES,
      servers: [],
      owned: false,
      stop: async () => {},
    };
  }
  const binary = findServerBinary(env, options.prefer);
  if (!binary)
    throw new RedisUnavailableError(
      `a local Redis Cluster needs redis-server or valkey-server on PATH. ${HOW_TO_GET_REDIS}`,
    );
  const masters = options.masters ?? 3;
  const servers: RedisServerProcess[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      servers.push(
        await RedisServerProcess.start(binary, {
          clusterEnabled: true,
          persistence: options.persistence ?? 'none',
        }),
      );
    }
    await formCluster(servers);
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    throw error;
  }
  const nodes = servers.map((server) => ({ host: server.host, port: server.port }));
  return {
    nodes,
    nodesString: nodes.map((node) => `${node.host}:${node.port}`).join(','),
    servers,
    owned: true,
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}

export function parseClusterNodes(value: string): ClusterNode[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = /^(.+):(\d+)$/.exec(part);
      if (!match)
        throw new RedisUnavailableError(
          `bad cluster node "${part}": expected host:port[,host:port...]`,
        );
      return { host: match[1]!, port: Number(match[2]) };
    });
}

async function formCluster(servers: RedisServerProcess[]): Promise<void> {
  const connections = await Promise.all(
    servers.map((server) => RespConnection.open(server.host, server.port)),
  );
  try {
    const perNode = Math.floor(TOTAL_SLOTS / servers.length);
    await Promise.all(
      connections.map((connection, index) => {
        const first = index * perNode;
        const last = index === servers.length - 1 ? TOTAL_SLOTS - 1 : first + perNode - 1;
        return connection.command(['CLUSTER', 'ADDSLOTSRANGE', String(first), String(last)]);
      }),
    );
    const [first, ...others] = connections;
    for (const server of servers.slice(1)) {
      await first!.command(['CLUSTER', 'MEET', server.host, String(server.port)]);
    }
    await waitFor(
      async () => {
        const infos = await Promise.all(
          [first!, ...others].map((connection) => connection.command(['CLUSTER', 'INFO'])),
        );
        return infos.every(
          (info) =>
            String(info).includes('cluster_state:ok') &&
            String(info).includes(`cluster_known_nodes:${servers.length}`),
        );
      },
      {
        description: `a ${servers.length}-node cluster to report cluster_state:ok`,
        timeoutMs: 20_000,
        intervalMs: 100,
      },
    );
  } finally {
    for (const connection of connections) connection.close();
  }
}
