import type { RedisClient } from '../connection/redis-connection.js';
import { compareEntryIds } from '../consumer/stream-entry.js';
import type { RedisKeys } from '../keys.js';
import { nextEntryId, pairsToRecord } from './reply-parsing.js';

export interface TrimOptions {
  /** Never remove entries some group has not received and acked. */
  safe?: boolean;
  /** Keep at most this many entries per partition. */
  maxLen?: number;
  /** Remove entries older than this (by the Redis server's clock). */
  olderThanMs?: number;
}

export interface PartitionTrim {
  partition: number;
  before: number;
  after: number;
  removed: number;
  /** The lowest id kept by the safe bound, when `safe` limited the trim. */
  safeBound: string | null;
}

/**
 * The oldest entry id some group still needs on a stream: per group the oldest pending entry,
 * else the first entry after its last-delivered id. Null when no group exists.
 * Redis 7's XTRIM cannot know this, so it is computed from the groups.
 */
export async function safeTrimBound(redis: RedisClient, stream: string): Promise<string | null> {
  let groups: Record<string, unknown>[];
  try {
    groups = ((await redis.xinfo('GROUPS', stream)) as unknown[]).map(pairsToRecord);
  } catch {
    return null;
  }
  let bound: string | null = null;
  for (const group of groups) {
    const summary = (await redis.xpending(stream, String(group.name))) as [number, string | null];
    const needed =
      Number(summary[0]) > 0 && summary[1]
        ? summary[1]
        : nextEntryId(String(group['last-delivered-id']));
    if (bound === null || compareEntryIds(needed, bound) < 0) bound = needed;
  }
  return bound;
}

/**
 * Trims every partition of a topic by length and/or age, optionally never past the safe bound.
 * Without `maxLen` or `olderThanMs` nothing is removed: the safe bound only ever lowers a trim,
 * it is never a bound of its own (acked by today's groups is not "no longer wanted": replays
 * and new groups read it).
 */
export async function trimTopic(
  redis: RedisClient,
  keys: RedisKeys,
  topic: string,
  partitions: number,
  options: TrimOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<PartitionTrim[]> {
  const results: PartitionTrim[] = [];
  // Entry ids carry the server's time: an age bound is computed on the same clock.
  const serverNow = options.olderThanMs === undefined ? 0 : await serverTime(redis);
  for (let partition = 0; partition < partitions; partition++) {
    const stream = keys.partitionStream(topic, partition);
    const before = await redis.xlen(stream);
    const candidates: string[] = [];
    if (options.olderThanMs !== undefined)
      candidates.push(`${Math.max(0, serverNow - options.olderThanMs)}-0`);
    if (options.maxLen !== undefined && before > options.maxLen) {
      // The first entry to keep when only maxLen remain; with maxLen 0, the id after the last.
      const excess = before - options.maxLen;
      const page = await redis.xrange(stream, '-', '+', 'COUNT', excess + 1);
      const firstKept =
        page[excess]?.[0] ?? (page.length > 0 ? nextEntryId(page[page.length - 1]![0]) : undefined);
      if (firstKept) candidates.push(firstKept);
    }
    const safeBound = options.safe ? await safeTrimBound(redis, stream) : null;
    // Keep from the highest candidate (the tightest policy), but never past the safe bound.
    let minId = candidates.sort(compareEntryIds).at(-1) ?? null;
    if (minId && safeBound && compareEntryIds(safeBound, minId) < 0) minId = safeBound;
    if (minId) await redis.xtrim(stream, 'MINID', minId);
    const after = await redis.xlen(stream);
    results.push({ partition, before, after, removed: before - after, safeBound });
    onProgress?.(partition + 1, partitions);
  }
  return results;
}

async function serverTime(redis: RedisClient): Promise<number> {
  const [seconds, micros] = (await redis.time()).map(Number);
  return seconds! * 1000 + Math.floor(micros! / 1000);
}
