import { uniqueName, waitFor } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import { ConnectionError } from '../src/index.js';
import { useRedis } from './helpers/redis.js';
import { restartsMidRun } from './helpers/state-fault-scenarios.js';

// This file restarts its Redis: it must be a private server, with AOF so data survives.
const env = useRedis({ own: true, persistence: 'aof-always' });

describe('producer while Redis is down', () => {
  it('fails fast with a retriable ConnectionError and publishes again once Redis is back', async () => {
    const client = await env.client({ failFast: true });
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 1 });
    const producer = client.producer();
    await env.redis.kill();
    const error = await producer
      .publish(topic, { type: 't', payload: 1 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).retriable).toBe(true);
    await env.redis.restart();
    await waitFor(
      async () =>
        await producer
          .publish(topic, { type: 't', payload: 2 })
          .then(() => true)
          .catch(() => false),
      {
        description: 'publishing to work again',
        timeoutMs: 10_000,
      },
    );
  });
});

describe.each(['none', 'key'] as const)('Redis restart mid-run (ordering %s)', (ordering) => {
  it('resumes consuming after Redis is killed and restarted twice; every published event is applied once', async () => {
    await restartsMidRun({
      connect: () => env.client(),
      ordering,
      partitions: 4,
      restart: () => env.redis.restart({ downtimeMs: 300 }),
    });
  });
});
