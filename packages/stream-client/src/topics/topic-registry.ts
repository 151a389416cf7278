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

  /** Forgets cached metadata (after FLUSHALL, say) so the next read goes to Redis. */
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
