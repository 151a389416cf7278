import { parseClusterNodesReply } from './cluster-topology.js';
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
  /** Startup nodes for `new Cluster(nodes)` / REDIS_CLUSTER_NODES (masters first, then replicas). */
  nodes: ClusterNode[];
  /** `host:port,host:port,...`, the REDIS_CLUSTER_NODES form. */
  nodesString: string;
  /** Every server this launch started, masters first, then replicas (roles as launched). */
  servers: RedisServerProcess[];
  /** The servers started as masters, in slot order; a failover may change their roles. */
  masterServers: RedisServerProcess[];
  /** The servers started as replicas: `replicaServers[i]` replicated `masterServers[i % masters]`. */
  replicaServers: RedisServerProcess[];
  owned: boolean;
  stop(): Promise<void>;
}

export interface LaunchClusterOptions {
  /** Masters, each with an even share of the 16384 slots (default 3). */
  masters?: number;
  /** Replicas per master (default 0), attached with CLUSTER REPLICATE and in sync at return. */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout` (default 5000 ms): failover tests use 1000-2000 so a killed master's
   * replica is promoted within a few seconds.
   */
  nodeTimeoutMs?: number;
  /** Always start a private cluster, even when REDIS_CLUSTER_NODES is set. */
  own?: boolean;
  persistence?: Persistence;
  env?: NodeJS.ProcessEnv;
  prefer?: 'redis' | 'valkey';
}

const TOTAL_SLOTS = 16384;

/**
 * Starts a local Redis Cluster of `masters` nodes (default 3) on free ports, slots split
 * evenly, optionally with `replicasPerMaster` replicas each, and waits until every node reports
 * `cluster_state:ok` and every replica is in sync with its master.
 * With REDIS_CLUSTER_NODES set (and `own` not asked) it uses that cluster instead.
 */
export async function launchRedisCluster(
  options: LaunchClusterOptions = {},
): Promise<LaunchedCluster> {
  const env = options.env ?? process.env;
  if (env.REDIS_CLUSTER_NODES && !options.own) {
    const nodes = parseClusterNodes(env.REDIS_CLUSTER_NODES);
    return {
      nodes,
      nodesString: env.REDIS_CLUSTER_NODES,
      servers: [],
      masterServers: [],
      replicaServers: [],
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
  const replicas = masters * (options.replicasPerMaster ?? 0);
  const servers: RedisServerProcess[] = [];
  try {
    for (let i = 0; i < masters + replicas; i++) {
      servers.push(
        await RedisServerProcess.start(binary, {
          clusterEnabled: true,
          persistence: options.persistence ?? 'none',
          ...(options.nodeTimeoutMs !== undefined
            ? { clusterNodeTimeoutMs: options.nodeTimeoutMs }
            : {}),
        }),
      );
    }
    await formCluster(servers.slice(0, masters), servers.slice(masters));
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    throw error;
  }
  const nodes = servers.map((server) => ({ host: server.host, port: server.port }));
  return {
    nodes,
    nodesString: nodes.map((node) => `${node.host}:${node.port}`).join(','),
    servers,
    masterServers: servers.slice(0, masters),
    replicaServers: servers.slice(masters),
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

async function formCluster(
  masters: RedisServerProcess[],
  replicas: RedisServerProcess[],
): Promise<void> {
  const all = [...masters, ...replicas];
  const connections = await Promise.all(
    all.map((server) => RespConnection.open(server.host, server.port)),
  );
  const infoOf = async (index: number, section: string[]) =>
    String(await connections[index]!.command(section));
  try {
    const perNode = Math.floor(TOTAL_SLOTS / masters.length);
    await Promise.all(
      masters.map((_, index) => {
        const first = index * perNode;
        const last = index === masters.length - 1 ? TOTAL_SLOTS - 1 : first + perNode - 1;
        return connections[index]!.command([
          'CLUSTER',
          'ADDSLOTSRANGE',
          String(first),
          String(last),
        ]);
      }),
    );
    const first = connections[0]!;
    for (const server of all.slice(1)) {
      await first.command(['CLUSTER', 'MEET', server.host, String(server.port)]);
    }
    // CLUSTER REPLICATE needs the replica to know its master's node id: wait for gossip first.
    await waitFor(
      async () => {
        const infos = await Promise.all(all.map((_, index) => infoOf(index, ['CLUSTER', 'INFO'])));
        return infos.every((info) => info.includes(`cluster_known_nodes:${all.length}`));
      },
      { description: `${all.length} cluster nodes to know each other`, timeoutMs: 20_000 },
    );
    const masterIds = await Promise.all(
      masters.map(async (_, index) =>
        String(await connections[index]!.command(['CLUSTER', 'MYID'])),
      ),
    );
    for (const [index] of replicas.entries()) {
      const connection = connections[masters.length + index]!;
      await connection.command(['CLUSTER', 'REPLICATE', masterIds[index % masters.length]!]);
    }
    await waitFor(
      async () => {
        for (const [index] of all.entries()) {
          const info = await infoOf(index, ['CLUSTER', 'INFO']);
          if (!info.includes('cluster_state:ok')) return false;
          // Every node must see every replica as one, or clients routing by its view miss them.
          const view = parseClusterNodesReply(await infoOf(index, ['CLUSTER', 'NODES']));
          if (view.filter((node) => node.role === 'replica').length !== replicas.length)
            return false;
        }
        for (const [index] of replicas.entries()) {
          const replication = await infoOf(masters.length + index, ['INFO', 'replication']);
          if (!replication.includes('master_link_status:up')) return false;
          if (!replication.includes('master_sync_in_progress:0')) return false;
        }
        return true;
      },
      {
        description: `a ${masters.length}-master cluster with ${replicas.length} replicas in sync and cluster_state:ok`,
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
  } finally {
    for (const connection of connections) connection.close();
  }
}
