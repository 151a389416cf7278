import type { Codec } from '@redstream/codec';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RedisClient, RedisConnection } from '../connection/redis-connection.js';
import type { RedisKeys } from '../keys.js';
import type { LuaScripts } from '../scripts/lua-scripts.js';
import type { TopicRegistry } from '../topics/topic-registry.js';

/** What a subscription borrows from its client. */
export interface ConsumerRuntime {
  connection: RedisConnection;
  scripts: LuaScripts;
  keys: RedisKeys;
  topics: TopicRegistry;
  codec: Codec;
  logger: Logger;
  metricsRegistry?: Registry;
  /** A non-pipelined connection for BullMQ (it blocks and needs maxRetriesPerRequest null). */
  bullConnection(): Promise<RedisClient>;
}
