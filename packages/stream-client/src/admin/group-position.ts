import type { RedisClient } from '../connection/redis-connection.js';
import { ensureGroup, isNoGroupError } from '../consumer/group-recovery.js';
import { type StartPosition, startPositionId } from '../consumer/subscribe-options.js';
import { GroupNotFoundError, InvalidOptionError } from '../errors.js';
import type { RedisKeys } from '../keys.js';
import { pairsToRecord } from './reply-parsing.js';

export interface GroupPositionChange {
  partition: number;
  /** The group's last delivered id before (undefined where the group was just created). */
  from: string | undefined;
  /** The id the group now reads after (`$` resolves to the stream's last id at that moment). */
  to: string;
}

/**
 * Creates a group at a position without consuming (KafkaJS's `admin.setOffsets` for a new
 * group): on every partition stream, reading after `position`. Partitions where the group
 * exists keep their position; their `from` is the position kept and `to` equals it.
 */
export async function createGroup(
  redis: RedisClient,
  keys: RedisKeys,
  topic: string,
  group: string,
  partitions: number,
  position: StartPosition,
): Promise<GroupPositionChange[]> {
  const startId = startPositionId(position);
  const changes: GroupPositionChange[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const stream = keys.partitionStream(topic, partition);
    if (await ensureGroup(redis, stream, group, startId)) {
      changes.push({
        partition,
        from: undefined,
        to: (await lastDeliveredId(redis, stream, group)) ?? startId,
      });
    } else {
      const kept = (await lastDeliveredId(redis, stream, group)) ?? startId;
      changes.push({ partition, from: kept, to: kept });
    }
  }
  await redis.sadd(keys.groups(topic), group);
  return changes;
}

/**
 * Moves an existing group to `position` on every partition (or the ones given), forward or
 * back, while its consumers run (XGROUP SETID): each partition's next read of new entries
 * starts after the new position, in stream order. Entries already delivered (in flight or
 * pending) are settled once as they are; moving back delivers the entries after the position
 * again, moving forward skips the ones before it. Retry streams keep their position.
 */
export async function seekGroup(
  redis: RedisClient,
  keys: RedisKeys,
  topic: string,
  group: string,
  partitions: number,
  position: StartPosition,
  only?: readonly number[],
): Promise<GroupPositionChange[]> {
  const startId = startPositionId(position);
  const targets = only ?? Array.from({ length: partitions }, (_, partition) => partition);
  for (const partition of targets)
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitions)
      throw new InvalidOptionError(
        'partitions',
        `partition numbers of topic ${topic} (0 to ${partitions - 1})`,
        partition,
      );
  const changes: GroupPositionChange[] = [];
  for (const partition of targets) {
    const stream = keys.partitionStream(topic, partition);
    const from = await lastDeliveredId(redis, stream, group);
    if (from === undefined) throw new GroupNotFoundError(topic, group);
    try {
      await redis.xgroup('SETID', stream, group, startId);
    } catch (error) {
      if (isNoGroupError(error)) throw new GroupNotFoundError(topic, group);
      throw error;
    }
    changes.push({
      partition,
      from,
      to: startId === '$' ? ((await lastDeliveredId(redis, stream, group)) ?? startId) : startId,
    });
  }
  return changes;
}

/** The group's last delivered id on a stream; undefined when the group (or stream) does not exist. */
export async function lastDeliveredId(
  redis: RedisClient,
  stream: string,
  group: string,
): Promise<string | undefined> {
  let rows: unknown[];
  try {
    rows = (await redis.xinfo('GROUPS', stream)) as unknown[];
  } catch (error) {
    if (error instanceof Error && error.message.includes('no such key')) return undefined;
    throw error;
  }
  const info = rows.map(pairsToRecord).find((row) => String(row.name) === group);
  return info ? String(info['last-delivered-id']) : undefined;
}
