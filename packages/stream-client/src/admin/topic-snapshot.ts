import { Cluster } from 'ioredis';
import type { RedisClient } from '../connection/redis-connection.js';
import { parseLeaseValue } from '../consumer/ordered/partition-lease.js';
import { entryTimestamp } from '../consumer/stream-entry.js';
import type { RedisKeys } from '../keys.js';
import { queuePartitionSnapshot } from '../scripts/lua-scripts.js';
import type { TopicInfo } from '../topics/topic-registry.js';
import type { ConsumerInfo, PartitionLag } from './group-lag.js';

/** One group on one partition, as `PartitionLag` (the same numbers `groupLag` reports) plus its read counter. */
export interface PartitionGroupSnapshot extends PartitionLag {
  group: string;
  /** Entries the group has read from the partition since it was created (null when Redis cannot tell). */
  entriesRead: number | null;
}

export interface PartitionSnapshot {
  partition: number;
  length: number;
  /** Entries ever appended (XINFO STREAM entries-added): its growth is the rate in. */
  entriesAdded: number;
  firstId: string | null;
  lastId: string | null;
  deadLetters: number;
  groups: PartitionGroupSnapshot[];
}

export interface TopicSnapshot {
  topic: string;
  takenAt: number;
  partitions: PartitionSnapshot[];
  /** Live members of each ordered group (member -> session deadline, ms since the epoch). */
  members: Record<string, Record<string, number>>;
}

/**
 * Where Redis cannot compute a group's lag (deletions inside its unread range) the script
 * counts, inside Redis and once a second per group and partition: capped low enough that a
 * group far behind cannot make every snapshot a long blocking script. Past it the lag is a
 * lower bound (`lagExact: false`).
 */
const COUNT_CAP = 10_000;

/**
 * Every partition of a topic with every group on it, in one pipelined round trip (one
 * read-only script call per partition, plus the ordered groups' member sets), for views that
 * poll often. `groups` names the groups whose lease and retry backlog to read: a group found
 * on a stream but not named reports no owner (`leaseKnown` false in the caller's eyes).
 */
export async function topicSnapshot(
  redis: RedisClient,
  keys: RedisKeys,
  topic: TopicInfo,
  groups: string[],
): Promise<TopicSnapshot> {
  const partitions = Array.from({ length: topic.partitions }, (_, p) => p);
  const calls: Array<(pipeline: Pipeline) => void> = [
    ...partitions.map((partition) => (pipeline: Pipeline) => {
      const groupKeys = groups.flatMap((group) => [
        keys.lease(topic.name, partition, group),
        keys.retryStream(topic.name, partition, group),
      ]);
      queuePartitionSnapshot(
        pipeline,
        [
          keys.partitionStream(topic.name, partition),
          keys.deadLetters(topic.name, partition),
          ...groupKeys,
        ],
        [COUNT_CAP, ...groups],
      );
    }),
    ...groups.map(
      (group) => (pipeline: Pipeline) =>
        pipeline.zrange(keys.members(topic.name, group), '0', '-1', 'WITHSCORES'),
    ),
  ];
  const takenAt = Date.now();
  const replies = await runPipelined(redis, calls);
  const members: Record<string, Record<string, number>> = {};
  groups.forEach((group, index) => {
    const flat = replies[topic.partitions + index] as string[];
    const live: Record<string, number> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) live[flat[i]!] = Number(flat[i + 1]);
    if (flat.length > 0) members[group] = live;
  });
  return {
    topic: topic.name,
    takenAt,
    partitions: partitions.map((partition) =>
      parsePartition(partition, replies[partition] as PartitionReply, takenAt),
    ),
    members,
  };
}

type Pipeline = ReturnType<RedisClient['pipeline']>;

/**
 * One round trip: a single pipeline on one Redis. A cluster pipeline must stay on one node,
 * so there each call goes alone, all at once (a round trip per node, in parallel).
 */
async function runPipelined(
  redis: RedisClient,
  calls: Array<(pipeline: Pipeline) => void>,
): Promise<unknown[]> {
  const batches = redis instanceof Cluster ? calls.map((call) => [call]) : [calls];
  const results = await Promise.all(
    batches.map(async (batch) => {
      const pipeline = redis.pipeline();
      for (const call of batch) call(pipeline);
      return (await pipeline.exec()) ?? [];
    }),
  );
  return results.flat().map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}

type GroupReply = [
  string,
  string,
  number,
  number,
  string,
  number,
  number,
  string,
  Array<string | number>,
  string,
  number,
  number,
];
type PartitionReply = [number, number, string, string, number, GroupReply[]];

function parsePartition(partition: number, reply: PartitionReply, now: number): PartitionSnapshot {
  const [length, entriesAdded, firstId, lastId, deadLetters, groupRows] = reply;
  return {
    partition,
    length: Number(length),
    entriesAdded: Number(entriesAdded),
    firstId: firstId || null,
    lastId: lastId || null,
    deadLetters: Number(deadLetters),
    groups: groupRows.map((row) => parseGroup(partition, row, now)),
  };
}

function parseGroup(partition: number, row: GroupReply, now: number): PartitionGroupSnapshot {
  const [
    group,
    lastDeliveredId,
    lag,
    lagExact,
    firstUndeliveredId,
    entriesRead,
    pending,
    oldestPendingId,
    consumerFlat,
    leaseValue,
    retryPending,
  ] = row;
  const consumers: ConsumerInfo[] = [];
  for (let i = 0; i + 2 < consumerFlat.length; i += 3)
    consumers.push({
      name: String(consumerFlat[i]),
      pending: Number(consumerFlat[i + 1]),
      idleMs: Number(consumerFlat[i + 2]),
    });
  // The same arithmetic as partitionLag, so both views agree to the millisecond.
  const oldestPending = Number(pending) > 0 && oldestPendingId ? oldestPendingId : null;
  const outstanding = [oldestPending, firstUndeliveredId || null]
    .filter((id): id is string => Boolean(id))
    .map(entryTimestamp);
  const lease = parseLeaseValue(leaseValue || null);
  return {
    group,
    partition,
    lag: Number(lag),
    lagExact: Number(lagExact) === 1,
    pending: Number(pending),
    lagSeconds: outstanding.length > 0 ? Math.max(0, now - Math.min(...outstanding)) / 1000 : 0,
    oldestPendingAgeMs: oldestPending ? Math.max(0, now - entryTimestamp(oldestPending)) : null,
    lastDeliveredId,
    retryPending: Number(retryPending),
    owner: lease?.owner ?? null,
    epoch: lease?.epoch ?? null,
    consumers,
    entriesRead: Number(entriesRead) < 0 ? null : Number(entriesRead),
  };
}
