import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ClosedError } from '../src/index.js';
import { useRedis } from './helpers/redis.js';
import { stateVanishesUnderReaders } from './helpers/state-fault-scenarios.js';

// FLUSHALL and CONFIG SET: this file needs a private server.
const env = useRedis({ own: true });

describe.each(['none', 'key'] as const)(
  'state vanishing under blocked readers (ordering %s)',
  (ordering) => {
    it('recovers from the stream being deleted and from FLUSHALL within a bounded time', async () => {
      const client = await env.client();
      await stateVanishesUnderReaders({
        client,
        ordering,
        partitions: 2,
        keys: 4,
        flushAll: () => client.redis.flushall(),
      });
    });
  },
);

describe('maxmemory-policy check', () => {
  it('warns when Redis may evict keys, and refuses when asked to', async () => {
    const admin = await env.client();
    await admin.redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const client = await env.client({ logger });
    expect(client.connection.features.maxmemoryPolicy).toBe('allkeys-lru');
    expect(lines.some((line) => line.includes('maxmemory-policy is allkeys-lru'))).toBe(true);
    await expect(env.client({ requireNoEviction: true })).rejects.toBeInstanceOf(ClosedError);
    await admin.redis.config('SET', 'maxmemory-policy', 'noeviction');
  });
});
