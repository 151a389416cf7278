import type { Logger } from 'pino';
import type { RedisClient } from '../connection/redis-connection.js';
import type { ConsumerRuntime } from './consumer-runtime.js';
import type { Instrumentation } from './instrumentation.js';
import type { ResolvedSubscribeOptions } from './subscribe-options.js';

/**
 * Creates the group on a stream (MKSTREAM, so a group can exist before the first event) at
 * `startId`. An existing group keeps its position: BUSYGROUP is the normal case. True when
 * it was created.
 */
export async function ensureGroup(
  redis: RedisClient,
  stream: string,
  group: string,
  startId: string,
): Promise<boolean> {
  try {
    await redis.xgroup('CREATE', stream, group, startId, 'MKSTREAM');
    return true;
  } catch (error) {
    if ((error as Error).message.includes('BUSYGROUP')) return false;
    throw error;
  }
}

export function isNoGroupError(error: unknown): boolean {
  return error instanceof Error && error.message.includes('NOGROUP');
}

/**
 * After NOGROUP (the stream deleted, the group destroyed, FLUSHALL or a restart without
 * persistence): puts the topic metadata back, then recreates the group on each stream from
 * where `recreateGroupFrom` says, logging each recreation at error level. Shared by both
 * modes; throws when Redis refuses or drops the connection, for the caller's loop to retry.
 */
export async function recoverVanishedGroups(scope: {
  runtime: ConsumerRuntime;
  options: ResolvedSubscribeOptions<unknown>;
  streams: Array<{ stream: string; from: string }>;
  instrumentation: Instrumentation;
  logger: Logger;
}): Promise<void> {
  const { runtime, options, instrumentation, logger } = scope;
  // After FLUSHALL the topic metadata is gone too: put it back (partitions and retention, as
  // read at start) so producers keep working.
  await runtime.topics.restoreTopic(options.topic);
  for (const { stream, from } of scope.streams) {
    if (await ensureGroup(runtime.connection.commands, stream, options.group, from)) {
      logger.error(
        { stream, group: options.group, from, policy: options.recreateGroupFrom },
        'consumer group vanished (stream deleted, FLUSHALL or restart without persistence); recreated it',
      );
      instrumentation.emit('consumer.group.recreated', () => ({ stream, from }));
    }
  }
}
