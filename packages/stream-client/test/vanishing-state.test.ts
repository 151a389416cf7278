import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EvictionPolicyError, StreamClientError } from '../src/index.js';
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
    // A configuration problem, not a closed client: its own type and code.
    const refused = await env
      .client({ requireNoEviction: true })
      .catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(StreamClientError);
    expect(refused).toMatchObject({ code: 'RS_CONFIG_EVICTION_POLICY', retriable: false });
    expect(refused).toBeInstanceOf(EvictionPolicyError);
    expect((refused as Error).message).toMatch(/maxmemory-policy is allkeys-lru/);
    await admin.redis.config('SET', 'maxmemory-policy', 'noeviction');
  });
});
