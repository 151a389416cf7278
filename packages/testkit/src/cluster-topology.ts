import { NotOwnedError, TestkitError } from './errors.js';
import type { LaunchedCluster } from './launch-cluster.js';
import type { RedisServerProcess } from './redis-server-process.js';
import { RespConnection } from './resp-connection.js';
import { waitFor } from './wait-for.js';

/** One line of CLUSTER NODES, as one node sees the cluster. */
export interface ClusterNodeView {
  id: string;
  host: string;
  port: number;
  role: 'master' | 'replica';
  /** The master's node id for a replica. */
  masterId: string | undefined;
  /** `fail` or `fail?` is among the flags. */
  failing: boolean;
  /** Inclusive slot ranges served (masters only). */
  slots: Array<[number, number]>;
}

/** Parses a CLUSTER NODES reply. Migrating/importing markers (`[slot-<-id]`) are ignored. */
export function parseClusterNodesReply(reply: string): ClusterNodeView[] {
  return reply
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [id, address, flags, master, , , , , ...slotFields] = line.split(' ');
      const endpoint = /^(.*):(\d+)@/.exec(address ?? '');
      const flagList = (flags ?? '').split(',');
      const slots: Array<[number, number]> = [];
      for (const field of slotFields) {
        if (field.startsWith('[')) continue;
        const [from, to] = field.split('-');
        slots.push([Number(from), Number(to ?? from)]);
      }
      return {
        id: id!,
        host: endpoint?.[1] ?? '',
        port: Number(endpoint?.[2] ?? 0),
        role: flagList.includes('master') ? 'master' : 'replica',
        masterId: master && master !== '-' ? master : undefined,
        failing: flagList.includes('fail') || flagList.includes('fail?'),
        slots,
      } satisfies ClusterNodeView;
    });
}

/** The hash slot of a key (CRC16/XMODEM of the key or its `{hash tag}`, mod 16384), as Redis computes it. */
export function keySlot(key: string): number {
  let hashed = Buffer.from(key, 'utf8');
  const open = hashed.indexOf('{');
  if (open >= 0) {
    const close = hashed.indexOf('}', open + 1);
    if (close > open + 1) hashed = hashed.subarray(open + 1, close);
  }
  let crc = 0;
  for (const byte of hashed) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

/**
 * Sends one command to one server over a short-lived raw connection (no cluster client
 * needed). Rejects after `timeoutMs`: a paused server accepts the connection but never answers.
 */
export async function serverCommand(
  server: Pick<RedisServerProcess, 'host' | 'port'>,
  args: string[],
  { timeoutMs = 5000 }: { timeoutMs?: number } = {},
): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  let connection: RespConnection | undefined;
  let settled = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TestkitError(
            'TESTKIT_NO_ANSWER',
            `${args.slice(0, 2).join(' ')} to port ${server.port}: no answer within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      (async () => {
        connection = await RespConnection.open(server.host, server.port);
        // Opened after the timeout fired: nobody will close it otherwise.
        if (settled) connection.close();
        return connection.command(args);
      })(),
      timeout,
    ]);
  } finally {
    settled = true;
    clearTimeout(timer);
    connection?.close();
  }
}

/**
 * The cluster as a live, unpaused node sees it, each node paired with the server process this
 * launch started for it. Never asks a paused or killed server (it would hang or refuse).
 */
export async function clusterTopology(
  cluster: LaunchedCluster,
): Promise<Array<ClusterNodeView & { server: RedisServerProcess | undefined }>> {
  let view: ClusterNodeView[] | undefined;
  let lastError: unknown;
  // The first node that answers: one may be SIGSTOPped, CLIENT PAUSEd or dead.
  for (const server of cluster.servers.filter((s) => s.running && !s.paused)) {
    try {
      const reply = await serverCommand(server, ['CLUSTER', 'NODES'], { timeoutMs: 1000 });
      view = parseClusterNodesReply(String(reply));
      break;
    } catch (error) {
      lastError = error;
    }
  }
  if (!view)
    throw new TestkitError('TESTKIT_CLUSTER_DOWN', 'no cluster node answers CLUSTER NODES', {
      cause: lastError,
    });
  return view.map((node) => ({
    ...node,
    server: cluster.servers.find((server) => server.port === node.port),
  }));
}

/** The master serving `key`'s slot right now, and its server process. */
export async function masterForKey(
  cluster: LaunchedCluster,
  key: string,
): Promise<ClusterNodeView & { server: RedisServerProcess }> {
  const slot = keySlot(key);
  const topology = await clusterTopology(cluster);
  const master = topology.find(
    (node) =>
      node.role === 'master' &&
      !node.failing &&
      node.slots.some(([from, to]) => slot >= from && slot <= to),
  );
  if (!master?.server)
    throw new TestkitError('TESTKIT_CLUSTER_DOWN', `no live master serves slot ${slot} (${key})`);
  return { ...master, server: master.server };
}

/**
 * `CLIENT PAUSE <ms> ALL` on one node: its clients hang for `ms` while the node keeps answering
 * the cluster bus, so no failover happens (a stall, unlike SIGSTOP past the node timeout).
 */
export async function clientPause(server: RedisServerProcess, ms: number): Promise<void> {
  await serverCommand(server, ['CLIENT', 'PAUSE', String(ms), 'ALL']);
}

/**
 * SIGKILLs a master and waits until one of its replicas serves its slots and every surviving
 * node reports `cluster_state:ok`. Returns the promoted replica's server.
 */
export async function killMasterAndAwaitFailover(
  cluster: LaunchedCluster,
  master: RedisServerProcess,
  { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
): Promise<{ promoted: RedisServerProcess; failoverMs: number }> {
  if (!cluster.owned) throw new NotOwnedError('kill a node of');
  const before = await clusterTopology(cluster);
  const victim = before.find((node) => node.server === master);
  if (victim?.role !== 'master' || victim.slots.length === 0)
    throw new TestkitError(
      'TESTKIT_NOT_A_MASTER',
      `port ${master.port} is not a master with slots`,
    );
  const replicaIds = new Set(
    before.filter((node) => node.masterId === victim.id).map((node) => node.id),
  );
  if (replicaIds.size === 0)
    throw new TestkitError('TESTKIT_NO_REPLICA', `master on port ${master.port} has no replica`);
  const slot = victim.slots[0]![0];
  const killedAt = Date.now();
  await master.kill('SIGKILL');
  const promoted = await waitFor(
    async () => {
      const survivors = cluster.servers.filter((server) => server.running && !server.paused);
      for (const server of survivors) {
        const info = String(await serverCommand(server, ['CLUSTER', 'INFO'], { timeoutMs: 1000 }));
        if (!info.includes('cluster_state:ok')) return undefined;
      }
      const now = await clusterTopology(cluster);
      return now.find(
        (node) =>
          replicaIds.has(node.id) &&
          node.role === 'master' &&
          node.slots.some(([from, to]) => slot >= from && slot <= to),
      )?.server;
    },
    {
      description: `a replica of the killed master (port ${master.port}) to be promoted`,
      timeoutMs,
      intervalMs: 50,
    },
  );
  return { promoted, failoverMs: Date.now() - killedAt };
}
