import { isConnectionError } from '../connection/connection-errors.js';
import type { RedisClient } from '../connection/redis-connection.js';
import {
  ConnectionError,
  InvalidOptionError,
  PartitionMismatchError,
  TopicNotFoundError,
} from '../errors.js';
import type { RedisKeys } from '../keys.js';
import { assertName } from '../names.js';

export interface RetentionPolicy {
  /** Keep about this many entries per partition (XADD MAXLEN ~). */
  maxLen?: number;
  /** Keep entries younger than this (MINID ~ the server's time - maxAgeMs). */
  maxAgeMs?: number;
  /**
   * Never trim entries some group has not received and acked yet: the trim bound is lowered
   * to the oldest such entry (computed from the groups by `trimTopic`, since XTRIM alone
   * cannot know it on Redis 7). With `safe`, XADD does not trim by itself.
   */
  safe?: boolean;
}

export interface TopicConfig {
  partitions: number;
  retention?: RetentionPolicy;
}

export interface TopicInfo {
  name: string;
  partitions: number;
  retention: RetentionPolicy;
  createdAt: number;
}

/** Topic metadata stored in Redis, so producers and consumers agree on P without shared config. */
export class TopicRegistry {
  private readonly cache = new Map<string, TopicInfo>();
  /**
   * The full config of every topic this process has read, kept through `invalidate` and
   * through the metadata vanishing from Redis (FLUSHALL, a restart without persistence), so
   * `restoreTopic` can put it back as it was.
   */
  private readonly known = new Map<string, TopicInfo>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /**
   * Creates the topic, or checks it against the stored one: a different partition count is
   * a PartitionMismatchError, never a silent remap. A given retention replaces the stored one.
   */
  async ensureTopic(name: string, config: TopicConfig): Promise<TopicInfo> {
    assertName('topic', name);
    if (!Number.isInteger(config.partitions) || config.partitions < 1 || config.partitions > 4096) {
      throw new InvalidOptionError('partitions', 'an integer from 1 to 4096', config.partitions);
    }
    validateRetention(config.retention);
    const metaKey = this.keys.topicMeta(name);
    const created = await this.redis.hsetnx(metaKey, 'partitions', String(config.partitions));
    if (created === 1) {
      await this.redis.hset(metaKey, 'createdAt', String(Date.now()));
      await this.redis.sadd(this.keys.topics(), name);
    }
    if (config.retention)
      await this.redis.hset(metaKey, 'retention', JSON.stringify(config.retention));
    this.cache.delete(name);
    const info = await this.requireTopic(name);
    if (info.partitions !== config.partitions)
      throw new PartitionMismatchError(name, config.partitions, info.partitions);
    return info;
  }

  async getTopic(name: string, { fresh = false } = {}): Promise<TopicInfo | undefined> {
    assertName('topic', name);
    const cached = this.cache.get(name);
    if (cached && !fresh) return cached;
    let meta: Record<string, string>;
    try {
      meta = await this.redis.hgetall(this.keys.topicMeta(name));
    } catch (error) {
      if (isConnectionError(error))
        throw new ConnectionError(
          `cannot read topic ${name}: Redis is unreachable (${(error as Error).message})`,
          error,
        );
      throw error;
    }
    if (!meta.partitions) return undefined;
    const info: TopicInfo = {
      name,
      partitions: Number(meta.partitions),
      retention: meta.retention ? (JSON.parse(meta.retention) as RetentionPolicy) : {},
      createdAt: Number(meta.createdAt ?? 0),
    };
    this.cache.set(name, info);
    this.known.set(name, info);
    return info;
  }

  /**
   * Re-creates the metadata of a topic this process has seen (partitions, retention, creation
   * time) after it vanished from Redis. Only missing fields are written (HSETNX), so metadata
   * that is still there, or was put back by another replica, is kept as stored. Throws
   * TopicNotFoundError for a topic this process never read, and PartitionMismatchError when
   * the stored partition count differs from the remembered one.
   */
  async restoreTopic(name: string): Promise<TopicInfo> {
    assertName('topic', name);
    const remembered = this.known.get(name);
    if (!remembered) throw new TopicNotFoundError(name);
    const metaKey = this.keys.topicMeta(name);
    // Separate commands, not MULTI: the meta hash and the topic set live in different slots.
    await Promise.all([
      this.redis.hsetnx(metaKey, 'partitions', String(remembered.partitions)),
      this.redis.hsetnx(metaKey, 'createdAt', String(remembered.createdAt)),
      Object.keys(remembered.retention).length > 0
        ? this.redis.hsetnx(metaKey, 'retention', JSON.stringify(remembered.retention))
        : undefined,
      this.redis.sadd(this.keys.topics(), name),
    ]);
    const info = await this.getTopic(name, { fresh: true });
    if (!info) throw new TopicNotFoundError(name);
    if (info.partitions !== remembered.partitions)
      throw new PartitionMismatchError(name, remembered.partitions, info.partitions);
    return info;
  }

  /** The stored topic; throws TopicNotFoundError, or PartitionMismatchError when `expectedPartitions` disagrees. */
  async requireTopic(name: string, expectedPartitions?: number): Promise<TopicInfo> {
    const info = await this.getTopic(name);
    if (!info) throw new TopicNotFoundError(name);
    if (expectedPartitions !== undefined && info.partitions !== expectedPartitions) {
      throw new PartitionMismatchError(name, expectedPartitions, info.partitions);
    }
    return info;
  }

  async listTopics(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.topics())).sort();
  }

  /**
   * Forgets cached metadata (after FLUSHALL, say) so the next read goes to Redis. What
   * `restoreTopic` needs is kept.
   */
  invalidate(name?: string): void {
    if (name) this.cache.delete(name);
    else this.cache.clear();
  }
}

function validateRetention(retention: RetentionPolicy | undefined): void {
  if (!retention) return;
  if (
    retention.maxLen !== undefined &&
    (!Number.isInteger(retention.maxLen) || retention.maxLen < 1)
  ) {
    throw new InvalidOptionError('retention.maxLen', 'a positive integer', retention.maxLen);
  }
  if (
    retention.maxAgeMs !== undefined &&
    (!Number.isFinite(retention.maxAgeMs) || retention.maxAgeMs < 1)
  ) {
    throw new InvalidOptionError(
      'retention.maxAgeMs',
      'a positive number of milliseconds',
      retention.maxAgeMs,
    );
  }
}

/**
 * The trim clause XADD uses for a topic: none for `safe` topics, whose trimming is computed.
 * `serverNow` is the Redis server's time (a ServerClock), never the caller's clock: the MINID
 * bound is compared with entry ids, which carry the server's time.
 */
export function xaddTrim(
  retention: RetentionPolicy,
  serverNow: number,
): [string, string] | undefined {
  if (retention.safe) return undefined;
  if (retention.maxLen !== undefined) return ['MAXLEN', String(retention.maxLen)];
  if (retention.maxAgeMs !== undefined)
    return ['MINID', `${Math.max(0, serverNow - retention.maxAgeMs)}-0`];
  return undefined;
}
