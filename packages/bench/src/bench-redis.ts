import {
  findServerBinary,
  keySlot,
  type LaunchedRedis,
  launchRedis,
  launchRedisCluster,
} from '@redstream/testkit';
import { Redis } from 'ioredis';

export interface BenchRedis {
  url: string;
  host: string;
  port: number;
  version: string;
  /** Where the server came from: a binary on PATH, or a container. */
  source: string;
  /** A Redis Cluster's startup nodes (`host:port,...`); workers connect to these, not `url`. */
  clusterNodes?: string;
  /** A plain connection for setup between runs (flush, renames); a cluster's first master. */
  admin: Redis;
  /** Empties the server so runs never see each other's keys. */
  flush(): Promise<void>;
  /** CPU seconds (user + system) the server has used so far, from INFO CPU. */
  cpuSeconds(): Promise<number>;
  /** Calls per command so far (INFO commandstats; a cluster's masters summed). */
  commandCalls(): Promise<Record<string, number>>;
  /** MULTI/EXEC of RENAMEs: every staged stream goes live in one step. */
  renameAll(renames: ReadonlyArray<readonly [string, string]>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a private Redis for the run: persistence off, a free port, never a shared server
 * (REDIS_URL is ignored). A redis-server binary on PATH is preferred over a container, whose
 * port forwarding would add its own cost to every round trip.
 */
export async function startBenchRedis(): Promise<BenchRedis> {
  const env = findServerBinary() ? { ...process.env, REDSTREAM_NO_DOCKER: '1' } : process.env;
  const launched: LaunchedRedis = await launchRedis({ own: true, persistence: 'none', env });
  const parsed = new URL(launched.url);
  const admin = new Redis(launched.url, { connectionName: 'bench:admin' });
  try {
    const info = await admin.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    return {
      url: launched.url,
      host: parsed.hostname,
      port: Number(parsed.port),
      version,
      source: launched.source,
      admin,
      flush: async () => {
        await admin.flushall();
      },
      cpuSeconds: async () => parseCpuSeconds(await admin.info('cpu')),
      commandCalls: async () => parseCommandCalls(await admin.info('commandstats')),
      renameAll: async (renames) => {
        if (renames.length === 0) return;
        const multi = admin.multi();
        for (const [from, to] of renames) multi.rename(from, to);
        const replies = (await multi.exec()) ?? [];
        for (const [error] of replies) if (error) throw error;
      },
      stop: async () => {
        admin.disconnect();
        await launched.stop();
      },
    };
  } catch (error) {
    admin.disconnect();
    await launched.stop();
    throw error;
  }
}

/**
 * A private Redis Cluster of `masters` masters (no replicas, persistence off, free ports) on
 * this machine, behind the same interface: flush and CPU cover every master, and the staged
 * renames run one by one (each within its slot).
 */
export async function startBenchCluster(masters: number): Promise<BenchRedis> {
  const cluster = await launchRedisCluster({ masters, own: true, persistence: 'none' });
  const connections = cluster.nodes.map(
    (node) => new Redis(node.port, node.host, { connectionName: 'bench:admin' }),
  );
  const close = async () => {
    for (const connection of connections) connection.disconnect();
    await cluster.stop();
  };
  try {
    const admin = connections[0]!;
    const info = await admin.info('server');
    // No failover happens in a bench run: the slot map is read once.
    const slots = await admin.cluster('SLOTS');
    const route = (key: string): Redis => {
      const slot = keySlot(key);
      const owner = slots.find(([from, to]) => slot >= from && slot <= to)?.[2];
      return connections.find((c) => c.options.port === owner?.[1]) ?? admin;
    };
    return {
      url: `redis://${cluster.nodes[0]!.host}:${cluster.nodes[0]!.port}`,
      host: cluster.nodes[0]!.host,
      port: cluster.nodes[0]!.port,
      version: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      source: `cluster of ${masters} masters`,
      clusterNodes: cluster.nodesString,
      admin,
      flush: async () => {
        await Promise.all(connections.map((connection) => connection.flushall()));
      },
      cpuSeconds: async () => {
        const infos = await Promise.all(connections.map((connection) => connection.info('cpu')));
        return infos.reduce((sum, text) => sum + parseCpuSeconds(text), 0);
      },
      commandCalls: async () => {
        const infos = await Promise.all(connections.map((c) => c.info('commandstats')));
        const total: Record<string, number> = {};
        for (const text of infos)
          for (const [name, calls] of Object.entries(parseCommandCalls(text)))
            total[name] = (total[name] ?? 0) + calls;
        return total;
      },
      renameAll: async (renames) => {
        await Promise.all(renames.map(([from, to]) => route(from).rename(from, to)));
      },
      stop: close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The server fields of a worker task: the URL, and a cluster's startup nodes when it is one. */
export function serverOf(redis: BenchRedis): { url: string; clusterNodes?: string } {
  return redis.clusterNodes
    ? { url: redis.url, clusterNodes: redis.clusterNodes }
    : { url: redis.url };
}

/** used_cpu_user + used_cpu_sys of an INFO CPU reply. */
export function parseCpuSeconds(info: string): number {
  const user = /used_cpu_user:([\d.]+)/.exec(info)?.[1];
  const system = /used_cpu_sys:([\d.]+)/.exec(info)?.[1];
  return Number(user ?? Number.NaN) + Number(system ?? Number.NaN);
}

/** Command -> calls of an INFO commandstats reply (`cmdstat_xadd:calls=3,usec=...`). */
export function parseCommandCalls(info: string): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    calls[match[1]!] = Number(match[2]);
  return calls;
}

/**
 * Calls per command between two commandstats readings, divided by `per` (events, seconds),
 * without the commands the bench itself sends to read them (info) and zero deltas.
 */
export function commandRates(
  before: Record<string, number>,
  after: Record<string, number>,
  per: number,
): Record<string, number> {
  const rates: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const delta = calls - (before[name] ?? 0);
    if (delta > 0 && name !== 'info') rates[name] = delta / per;
  }
  return rates;
}
