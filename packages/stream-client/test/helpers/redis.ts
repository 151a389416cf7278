import { type LaunchedRedis, launchRedis } from '@redstream/testkit';
import { afterAll, beforeAll } from 'vitest';
import {
  createStreamClient,
  type StreamClient,
  type StreamClientOptions,
} from '../../src/index.js';

/**
 * One Redis per test file (REDIS_URL or a spawned server) and a helper that opens clients
 * closed after the file. Tests isolate themselves with unique topic and group names.
 */
export function useRedis(options: { own?: boolean; persistence?: 'none' | 'aof-always' } = {}) {
  let redis: LaunchedRedis | undefined;
  const clients: StreamClient[] = [];
  beforeAll(async () => {
    redis = await launchRedis(options);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
    await redis?.stop();
  });
  return {
    get redis(): LaunchedRedis {
      if (!redis) throw new Error('Redis not launched yet');
      return redis;
    },
    async client(extra: Partial<StreamClientOptions> = {}): Promise<StreamClient> {
      const client = await createStreamClient({ url: this.redis.url, ...extra });
      clients.push(client);
      return client;
    },
  };
}
