import type { RedisClient } from '../connection/redis-connection.js';
import { ensureGroup } from '../consumer/group-recovery.js';
import { MetadataField } from '../consumer/metadata-fields.js';
import { compareEntryIds } from '../consumer/stream-entry.js';
import type { RedisKeys } from '../keys.js';
import { lastDeliveredId } from './group-position.js';

export interface ReplayPlan {
  /** Entries per partition the group will read again. */
  perPartition: number[];
  total: number;
}

export interface ReplayOptions {
  /** Replay entries appended at or after this time (ms or Date). */
  from: number | Date;
  /** Replay only up to this time (inclusive). Without it the group is moved back to `from`. */
  to?: number | Date;
  onProgress?: (done: number, total: number) => void;
}

const PAGE = 1000;

function ms(value: number | Date): number {
  return value instanceof Date ? value.getTime() : value;
}

/** Counts what a replay would re-read, without changing anything. */
export async function planReplay(
  redis: RedisClient,
  keys: RedisKeys,
  topic: string,
  partitions: number,
  options: ReplayOptions,
): Promise<ReplayPlan> {
  const perPartition = await Promise.all(
    Array.from({ length: partitions }, (_, p) =>
      countRange(
        redis,
        keys.partitionStream(topic, p),
        `${ms(options.from)}-0`,
        options.to === undefined ? '+' : `${ms(options.to)}-18446744073709551615`,
      ),
    ),
  );
  return { perPartition, total: perPartition.reduce((a, b) => a + b, 0) };
}

/**
 * Replays a time range for one group. Without `to`: the group (created when new) is moved back
 * so it re-reads everything from `from` on (XGROUP SETID). With `to`: the entries of the range
 * are appended again, marked for this group only, so other groups and the group's position
 * are untouched.
 */
export async function replay(
  redis: RedisClient,
  keys: RedisKeys,
  topic: string,
  group: string,
  partitions: number,
  options: ReplayOptions,
): Promise<ReplayPlan> {
  const plan = await planReplay(redis, keys, topic, partitions, options);
  const fromMs = ms(options.from);
  const startedAt = Date.now();
  let done = 0;
  for (let partition = 0; partition < partitions; partition++) {
    const stream = keys.partitionStream(topic, partition);
    if (options.to === undefined) {
      const position = fromMs <= 0 ? '0' : `${fromMs - 1}-18446744073709551615`;
      if (!(await ensureGroup(redis, stream, group, position))) {
        // Only ever move a group back: a group that has not reached `from` yet keeps its
        // position, or it would skip the entries it has not read.
        const current = await lastDeliveredId(redis, stream, group);
        if (current === undefined || compareEntryIds(position, current) < 0)
          await redis.xgroup('SETID', stream, group, position);
      }
      done += plan.perPartition[partition]!;
      options.onProgress?.(done, plan.total);
      continue;
    }
    await ensureGroup(redis, stream, group, '$');
    let start = `${fromMs}-0`;
    // Never past now: the copies appended below must not fall into the range being copied.
    const end = `${Math.min(ms(options.to), startedAt)}-18446744073709551615`;
    for (;;) {
      const page = (await redis.xrangeBuffer(stream, start, end, 'COUNT', PAGE)) as Array<
        [Buffer, Buffer[]]
      >;
      if (page.length === 0) break;
      const pipeline = redis.pipeline();
      for (const [, fields] of page)
        pipeline.xadd(stream, '*', ...fields, MetadataField.targetGroup, group);
      await pipeline.exec();
      done += page.length;
      options.onProgress?.(done, plan.total);
      if (page.length < PAGE) break;
      start = `(${page[page.length - 1]![0].toString()}`;
    }
  }
  return plan;
}

async function countRange(
  redis: RedisClient,
  stream: string,
  start: string,
  end: string,
): Promise<number> {
  let count = 0;
  let from = start;
  for (;;) {
    const page = await redis.xrange(stream, from, end, 'COUNT', PAGE);
    count += page.length;
    if (page.length < PAGE) return count;
    from = `(${page[page.length - 1]![0]}`;
  }
}
