import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import { ConnectionError, type Producer } from '../src/index.js';
import { readLedger } from './helpers/effects-ledger.js';
import { ledgerHandler } from './helpers/ledger-handler.js';
import { useRedis } from './helpers/redis.js';
import { sequencedEvents } from './helpers/sequenced-events.js';

// This file restarts its Redis: it must be a private server, with AOF so data survives.
const env = useRedis({ own: true, persistence: 'aof-always' });

/** Publishes one chunk, retrying on errors while Redis is down (the same event ids: idempotent). */
async function publishWithRetry(
  producer: Producer,
  topic: string,
  events: ReturnType<typeof sequencedEvents>,
) {
  for (;;) {
    try {
      return await producer.publishMany(topic, events);
    } catch {
      await sleep(100);
    }
  }
}

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
    const admin = await env.client();
    const topic = uniqueName('topic');
    await admin.ensureTopic(topic, { partitions: 4 });
    const consumerClient = await env.client();
    const subscription = await consumerClient.subscribe({
      topic,
      group: 'g',
      consumer: 'survivor',
      ordering,
      blockMs: 300,
      claimIdleMs: 1000,
      claimIntervalMs: 300,
      sessionTimeoutMs: 5000,
      heartbeatIntervalMs: 300,
      handler: ledgerHandler('survivor', 1),
    });
    const producer = (await env.client()).producer({ idempotence: 'always' });
    // Explicit ids so a publish retried across the restart cannot append twice.
    const events = sequencedEvents(3000, 60).map((event, i) => ({
      ...event,
      id: `0190a5e2-7c3d-7000-8000-${String(i).padStart(12, '0')}`,
    }));
    for (let i = 0; i < events.length; i += 250) {
      await publishWithRetry(producer, topic, events.slice(i, i + 250));
      if (i === 750 || i === 2000) await env.redis.restart({ downtimeMs: 300 });
    }
    await waitFor(
      async () =>
        (await readLedger(admin, topic, 4).catch(() => ({ applied: 0 }))).applied === 3000,
      {
        description: 'all 3000 events applied after two restarts',
        timeoutMs: 60_000,
      },
    );
    await subscription.close();
    const ledger = await readLedger(admin, topic, 4);
    expect(ledger.duplicates).toBe(0);
    if (ordering === 'key') expect(ledger.violations).toBe(0);
  });
});
