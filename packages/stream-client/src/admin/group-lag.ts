import type { RedisClient } from '../connection/redis-connection.js';
import { parseLeaseValue } from '../consumer/ordered/partition-lease.js';
import { entryTimestamp } from '../consumer/stream-entry.js';
import type { RedisKeys } from '../keys.js';
import { nextEntryId, pairsToRecord, toNumberOrNull } from './reply-parsing.js';

export interface ConsumerInfo {
  name: string;
  pending: number;
  idleMs: number;
}

export interface PartitionLag {
  partition: number;
  /** Entries appended and not yet delivered to the group. */
  lag: number;
  /**
   * False when the lag is a lower bound: Redis could not compute it (deletions inside the
   * range), and counting the entries hit the cap (100,000). A count below the cap is exact.
   */
  lagExact: boolean;
  /** Entries delivered and not yet acked. */
  pending: number;
  /** Now minus the append time of the oldest entry not yet delivered or not yet acked (0 when caught up). */
  lagSeconds: number;
  /** Age of the oldest pending (delivered, unacked) entry, ms; null when none is pending. */
  oldestPendingAgeMs: number | null;
  lastDeliveredId: string;
  /** Entries waiting in the group's retry stream (ordering none). */
  retryPending: number;
  /** Owner of the partition's lease (ordering key). */
  owner: string | null;
  epoch: number | null;
  consumers: ConsumerInfo[];
}

export interface GroupLag {
  topic: string;
  group: string;
  partitions: PartitionLag[];
  totals: { lag: number; pending: number; maxLagSeconds: number; retryPending: number };
}

const COUNT_CAP = 100_000;

/** Lag, pending and ownership of one group on one partition. Returns undefined when the group does not read the partition. */
export async function partitionLag(
  redis: RedisClient,
  keys: RedisKeys,
  topic: string,
  group: string,
  partition: number,
  now = Date.now(),
): Promise<PartitionLag | undefined> {
  const stream = keys.partitionStream(topic, partition);
  let groups: unknown[];
  try {
    groups = (await redis.xinfo('GROUPS', stream)) as unknown[];
  } catch {
    return undefined;
  }
  const info = groups.map(pairsToRecord).find((row) => String(row.name) === group);
  if (!info) return undefined;
  const lastDeliveredId = String(info['last-delivered-id']);
  let lag = toNumberOrNull(info.lag);
  let lagExact = lag !== null;
  const firstUndelivered = (
    await redis.xrange(stream, nextEntryId(lastDeliveredId), '+', 'COUNT', 1)
  )[0]?.[0];
  if (lag === null) {
    // Redis cannot tell after deletions or trims inside the range: count, up to a cap.
    lag = firstUndelivered
      ? (await redis.xrange(stream, nextEntryId(lastDeliveredId), '+', 'COUNT', COUNT_CAP)).length
      : 0;
    lagExact = lag < COUNT_CAP;
  }
  const summary = (await redis.xpending(stream, group)) as [
    number,
    string | null,
    string | null,
    unknown,
  ];
  const pending = Number(summary[0] ?? 0);
  const oldestPendingId = pending > 0 ? summary[1] : null;
  const oldestPendingAgeMs = oldestPendingId
    ? Math.max(0, now - entryTimestamp(oldestPendingId))
    : null;
  const oldestOutstanding = [oldestPendingId, firstUndelivered]
    .filter((id): id is string => Boolean(id))
    .map(entryTimestamp);
  const lagSeconds =
    oldestOutstanding.length > 0 ? Math.max(0, now - Math.min(...oldestOutstanding)) / 1000 : 0;

  const consumers = ((await redis.xinfo('CONSUMERS', stream, group)) as unknown[])
    .map(pairsToRecord)
    .map((row) => ({
      name: String(row.name),
      pending: Number(row.pending ?? 0),
      idleMs: Number(row.idle ?? 0),
    }));
  const retryStream = keys.retryStream(topic, partition, group);
  let retryPending = 0;
  try {
    const retryGroups = ((await redis.xinfo('GROUPS', retryStream)) as unknown[]).map(
      pairsToRecord,
    );
    const retryInfo = retryGroups.find((row) => String(row.name) === group);
    if (retryInfo)
      retryPending = Number(retryInfo.pending ?? 0) + Number(toNumberOrNull(retryInfo.lag) ?? 0);
  } catch {
    // No retry stream: ordering key, or nothing ever retried.
  }
  const lease = parseLeaseValue(await redis.get(keys.lease(topic, partition, group)));
  return {
    partition,
    lag,
    lagExact,
    pending,
    lagSeconds,
    oldestPendingAgeMs,
    lastDeliveredId,
    retryPending,
    owner: lease?.owner ?? null,
    epoch: lease?.epoch ?? null,
    consumers,
  };
}

export async function groupLag(
  redis: RedisClient,
  keys: RedisKeys,
  topic: string,
  group: string,
  partitions: number,
): Promise<GroupLag> {
  const now = Date.now();
  const rows = (
    await Promise.all(
      Array.from({ length: partitions }, (_, p) => partitionLag(redis, keys, topic, group, p, now)),
    )
  ).filter((row): row is PartitionLag => row !== undefined);
  return {
    topic,
    group,
    partitions: rows,
    totals: {
      lag: rows.reduce((sum, row) => sum + row.lag, 0),
      pending: rows.reduce((sum, row) => sum + row.pending, 0),
      retryPending: rows.reduce((sum, row) => sum + row.retryPending, 0),
      maxLagSeconds: rows.reduce((max, row) => Math.max(max, row.lagSeconds), 0),
    },
  };
}
