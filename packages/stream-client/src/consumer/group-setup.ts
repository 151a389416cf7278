import type { RedisClient } from '../connection/redis-connection.js';

/**
 * Creates the group on each stream (MKSTREAM, so a group can exist before the first event)
 * at `startId`. An existing group keeps its position: BUSYGROUP is the normal case.
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
