import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { Subscription } from '../src/index.js';
import { loose } from './helpers/loose-options.js';
import { useRedis } from './helpers/redis.js';

// Findings of an adversarial review of the ordered consumer and settlement, each kept as the
// test that failed before its fix: R1/R1b a graceful handover must not count runs of key heads
// that waited for a handler slot; R2 an effect Redis refuses at apply time must apply nothing;
// R3 a run past handlerTimeoutMs keeps its key until it ends; R4 a handler blocking the command
// connection must not cost the replica its leases; R5 every run counted when several start in
// one tick; R6 client.close() bounded with Redis stopped; R7 blocked keys hold no read room.
const env = useRedis();
const subscriptions: Subscription[] = [];
afterEach(async () => {
  await Promise.all(subscriptions.splice(0).map((s) => s.close().catch(() => {})));
});

type Payload = { key: string; seq: number };

describe('review findings: ordered consumption', () => {
  it('R1: a graceful close does not raise ctx.attempt of key heads that waited for a handler slot and never ran', async () => {
    const client = await env.client();
    const topic = uniqueName('rv1');
    await client.ensureTopic(topic, { partitions: 1 });
    const runs: Array<{ who: string; key: string; seq: number; attempt: number }> = [];
    const start = async (who: string, delayMs: number) => {
      const s = await client.subscribe<Payload>({
        topic,
        group: 'g',
        consumer: who,
        ordering: 'key',
        concurrency: 1,
        sessionTimeoutMs: 3000,
        heartbeatIntervalMs: 300,
        drainTimeoutMs: 5000,
        handler: async (event, ctx) => {
          runs.push({ who, key: event.payload.key, seq: event.payload.seq, attempt: ctx.attempt });
          await sleep(delayMs);
        },
      });
      subscriptions.push(s);
      return s;
    };
    const a = await start('a', 800);
    await waitFor(() => a.ownedPartitions.length === 1, {
      description: 'a owns',
      timeoutMs: 10_000,
    });
    const events = [];
    for (let seq = 1; seq <= 2; seq++)
      for (let k = 0; k < 5; k++)
        events.push({ type: 'test.event', key: `k${k}`, payload: { key: `k${k}`, seq } });
    // One publish at a time, so each key's head is read (and counted) in its own tick.
    for (const event of events) {
      await client.producer().publish(topic, event);
      await sleep(30);
    }
    await waitFor(() => runs.length >= 1, { description: 'a first run', timeoutMs: 10_000 });
    await sleep(100);
    await a.close();
    await start('b', 5);
    await waitFor(() => new Set(runs.map((r) => `${r.key}/${r.seq}`)).size === 10, {
      description: 'all 10 events run',
      timeoutMs: 20_000,
    });
    const seen = new Set<string>();
    const firstRunsAbove1 = runs.filter((r) => {
      const id = `${r.key}/${r.seq}`;
      const first = !seen.has(id);
      seen.add(id);
      return first && r.attempt > 1;
    });
    expect({ runs, firstRunsAbove1 }).toEqual({ runs, firstRunsAbove1: [] });
  });

  it('R1b: two graceful handovers with maxDeliveries 2 dead-letter events whose handler never ran', async () => {
    const client = await env.client();
    const topic = uniqueName('rv1b');
    await client.ensureTopic(topic, { partitions: 1 });
    const runs: Array<{ who: string; key: string; seq: number; attempt: number }> = [];
    const start = async (who: string) => {
      const s = await client.subscribe<Payload>({
        topic,
        group: 'g',
        consumer: who,
        ordering: 'key',
        concurrency: 1,
        maxDeliveries: 2,
        sessionTimeoutMs: 3000,
        heartbeatIntervalMs: 300,
        drainTimeoutMs: 5000,
        handler: async (event, ctx) => {
          runs.push({ who, key: event.payload.key, seq: event.payload.seq, attempt: ctx.attempt });
          if (event.payload.key === 'slow') await sleep(600);
        },
      });
      subscriptions.push(s);
      return s;
    };
    let current = await start('r0');
    await waitFor(() => current.ownedPartitions.length === 1, {
      description: 'r0 owns',
      timeoutMs: 10_000,
    });
    const events = [
      ...[1, 2, 3].map((seq) => ({
        type: 'test.event',
        key: 'slow',
        payload: { key: 'slow', seq },
      })),
      ...[1, 2, 3, 4].map((k) => ({
        type: 'test.event',
        key: `k${k}`,
        payload: { key: `k${k}`, seq: 1 },
      })),
    ];
    for (const event of events) {
      await client.producer().publish(topic, event);
      await sleep(30);
    }
    for (const next of ['r1', 'r2']) {
      await waitFor(() => runs.some((r) => r.who === current.consumer), {
        description: 'a run',
        timeoutMs: 10_000,
      });
      await sleep(100);
      await current.close();
      current = await start(next);
    }
    await sleep(3000);
    const deadLetters = await client.admin.listDeadLetters(topic);
    const ran = new Set(runs.map((r) => `${r.key}#${r.seq}`));

    expect({ deadLetters: deadLetters.length, ranKeys: [...ran].sort() }).toEqual({
      deadLetters: 0,
      ranKeys: [...ran].sort(),
    });
  });

  it.each(['key', 'none'] as const)(
    'R2 (ordering %s): an effect Redis refuses at apply time (EXPIRE past the 64-bit limit) applies nothing',
    async (ordering) => {
      const client = await env.client();
      const topic = uniqueName('rv2');
      await client.ensureTopic(topic, { partitions: 1 });
      const attempts: number[] = [];
      const s = await client.subscribe<Payload>(
        loose<Payload>({
          topic,
          group: 'g',
          consumer: 'c',
          ordering,
          maxDeliveries: 3,
          retryBackoff: { baseMs: 20, maxMs: 50 },
          ...(ordering === 'key' ? { sessionTimeoutMs: 3000, heartbeatIntervalMs: 300 } : {}),
          handler: (_event, ctx) => {
            attempts.push(ctx.attempt);
            const good = ctx.stateKey('good');
            // Passes the client's isInteger and the script's toInteger, but Redis 7 answers
            // "ERR invalid expire time" (seconds * 1000 overflows).
            ctx.effects.hincrby(good, 'n', 1).command('EXPIRE', good, '10000000000000000');
          },
        }),
      );
      subscriptions.push(s);
      await client
        .producer()
        .publish(topic, { type: 'test.event', key: 'x', payload: { key: 'x', seq: 1 } });
      const deadLetters = client.keys.deadLetters(topic, 0);
      await waitFor(
        async () => (await client.redis.xlen(deadLetters)) > 0 || attempts.length >= 3,
        {
          description: 'dead letter or 3 attempts',
          timeoutMs: 30_000,
        },
      );
      await sleep(500);
      const n = await client.redis.hget(client.keys.state(topic, 0, 'good'), 'n');
      const dl = await client.redis.xlen(deadLetters);
      expect({ attempts, n, deadLettered: dl }).toEqual({ attempts, n: null, deadLettered: dl });
    },
  );

  it('R5: every run is counted in Redis before it starts (the runs hash), also when several start in one tick', async () => {
    const client = await env.client();
    const topic = uniqueName('rv5');
    await client.ensureTopic(topic, { partitions: 1 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const started: string[] = [];
    const s = await client.subscribe<Payload>({
      topic,
      group: 'g',
      consumer: 'c',
      ordering: 'key',
      concurrency: 10,
      sessionTimeoutMs: 3000,
      heartbeatIntervalMs: 300,
      drainTimeoutMs: 500,
      handler: async (_event, ctx) => {
        started.push(ctx.entryId);
        await held;
      },
    });
    subscriptions.push(s);
    await waitFor(() => s.ownedPartitions.length === 1, { description: 'owns', timeoutMs: 10_000 });
    await client.producer().publishMany(
      topic,
      Array.from({ length: 5 }, (_, k) => ({
        type: 'test.event',
        key: `k${k}`,
        payload: { key: `k${k}`, seq: 1 },
      })),
    );
    await waitFor(() => started.length === 5, { description: '5 running', timeoutMs: 10_000 });
    const runs = await client.redis.hgetall(client.keys.runs(topic, 0, 'g'));
    release();
    // What a new owner would read after a crash now: every running entry shows 1 run.
    expect(Object.values(runs)).toEqual(['1', '1', '1', '1', '1']);
    expect(Object.keys(runs).sort()).toEqual([...started].sort());
  });

  it('R3: with handlerTimeoutMs, one key (one event) never runs twice at once in one replica', async () => {
    const client = await env.client();
    const topic = uniqueName('rv3');
    await client.ensureTopic(topic, { partitions: 1 });
    const spans: Array<{ attempt: number; start: number; end?: number }> = [];
    const s = await client.subscribe<Payload>({
      topic,
      group: 'g',
      consumer: 'c',
      ordering: 'key',
      handlerTimeoutMs: 300,
      maxDeliveries: 5,
      retryBackoff: { baseMs: 10, maxMs: 20 },
      sessionTimeoutMs: 3000,
      heartbeatIntervalMs: 300,
      handler: async (_event, ctx) => {
        const span: { attempt: number; start: number; end?: number } = {
          attempt: ctx.attempt,
          start: Date.now(),
        };
        spans.push(span);
        // Ignores ctx.signal, like most code that does not pass it on.
        if (ctx.attempt === 1) await sleep(1500);
        span.end = Date.now();
      },
    });
    subscriptions.push(s);
    await client
      .producer()
      .publish(topic, { type: 'test.event', key: 'x', payload: { key: 'x', seq: 1 } });
    await waitFor(() => spans.every((sp) => sp.end !== undefined) && spans.length >= 2, {
      description: 'two runs ended',
      timeoutMs: 10_000,
    });
    const overlaps = spans.filter((a, i) =>
      spans.some((b, j) => j !== i && b.start >= a.start && b.start < (a.end ?? Infinity)),
    );
    expect({ spans, overlapping: overlaps.length }).toEqual({ spans, overlapping: 0 });
  });

  it('R4: a handler blocking on ctx.redis (the command connection) does not cost the replica its leases: renewals have their own connection', async () => {
    const client = await env.client();
    const topic = uniqueName('rv4');
    await client.ensureTopic(topic, { partitions: 2 });
    const lost: number[] = [];
    const s = await client.subscribe<Payload>({
      topic,
      group: 'g',
      consumer: 'c',
      ordering: 'key',
      sessionTimeoutMs: 2000,
      heartbeatIntervalMs: 300,
      handler: async (_event, ctx) => {
        // A blocking read of a key in this partition's slot, 4 s, longer than the session.
        await ctx.redis.blpop(ctx.stateKey('inbox'), 4);
      },
    });
    subscriptions.push(s);
    s.on('consumer.partition.lost', ({ partition }) => lost.push(partition));
    await waitFor(() => s.ownedPartitions.length === 2, {
      description: 'owns 2',
      timeoutMs: 10_000,
    });
    await client
      .producer()
      .publish(topic, { type: 'test.event', key: 'x', payload: { key: 'x', seq: 1 } });
    await sleep(4500);
    expect({ lost }).toEqual({ lost: [] });
  });
});

describe('review findings: client.close() bound', () => {
  it.each([false, true])(
    'R6: client.close() settles within 7 s with Redis SIGSTOPped after a delayed publish (worker %s)',
    async (withWorker) => {
      const { launchRedis } = await import('@redstream/testkit');
      const { createStreamClient } = await import('../src/index.js');
      const redis = await launchRedis({ own: true });
      try {
        const client = await createStreamClient({ url: redis.url });
        const topic = uniqueName('rv6');
        await client.ensureTopic(topic, { partitions: 1 });
        await client
          .producer()
          .publish(topic, { type: 't', key: 'k', payload: {} }, { delayMs: 60_000 });
        if (withWorker)
          await (
            client as unknown as { runDelayedDelivery(t: string): Promise<void> }
          ).runDelayedDelivery(topic);
        redis.server!.pause();
        const started = Date.now();
        const closing = client.close().then(() => Date.now() - started);
        const ms = await Promise.race([
          closing,
          sleep(12_000).then(() => 'not settled after 12 s'),
        ]);
        redis.server!.resume();
        await Promise.race([closing, sleep(5000)]);
        expect(ms).toBeTypeOf('number');
        expect(ms as number).toBeLessThanOrEqual(7000);
      } finally {
        redis.server?.resume();
        await redis.stop();
      }
    },
    40_000,
  );
});

describe('review findings: blocked heads and maxInFlight', () => {
  it('R7: one blocked key (block-key) with maxInFlight = batchSize stops no other key', async () => {
    const client = await env.client();
    const topic = uniqueName('rv7');
    await client.ensureTopic(topic, { partitions: 1 });
    const handled = new Set<string>();
    const s = await client.subscribe<Payload>({
      topic,
      group: 'g',
      consumer: 'c',
      ordering: 'key',
      batchSize: 10,
      maxInFlight: 10,
      maxDeliveries: 1,
      onRetriesExhausted: 'block-key',
      retryBackoff: { baseMs: 20, maxMs: 200 },
      sessionTimeoutMs: 3000,
      heartbeatIntervalMs: 300,
      handler: (event) => {
        if (event.payload.key === 'poison') throw new Error('poison');
        handled.add(`${event.payload.key}#${event.payload.seq}`);
      },
    });
    subscriptions.push(s);
    await client
      .producer()
      .publish(topic, { type: 't', key: 'poison', payload: { key: 'poison', seq: 1 } });
    await sleep(500);
    await client.producer().publishMany(
      topic,
      Array.from({ length: 30 }, (_, i) => ({
        type: 't',
        key: `k${i}`,
        payload: { key: `k${i}`, seq: 1 },
      })),
    );
    await sleep(3000);
    expect(handled.size).toBe(30);
  });

  it('R7b: 11 blocked keys with batchSize 10 and the default maxInFlight (2 x batchSize) stop no other key', async () => {
    const client = await env.client();
    const topic = uniqueName('rv7b');
    await client.ensureTopic(topic, { partitions: 1 });
    const handled = new Set<string>();
    const s = await client.subscribe<Payload>({
      topic,
      group: 'g',
      consumer: 'c',
      ordering: 'key',
      batchSize: 10,
      maxDeliveries: 1,
      onRetriesExhausted: 'block-key',
      retryBackoff: { baseMs: 20, maxMs: 200 },
      sessionTimeoutMs: 3000,
      heartbeatIntervalMs: 300,
      handler: (event) => {
        if (event.payload.key.startsWith('poison')) throw new Error('poison');
        handled.add(`${event.payload.key}#${event.payload.seq}`);
      },
    });
    subscriptions.push(s);
    await client.producer().publishMany(
      topic,
      Array.from({ length: 11 }, (_, i) => ({
        type: 't',
        key: `poison${i}`,
        payload: { key: `poison${i}`, seq: 1 },
      })),
    );
    await sleep(1000);
    await client.producer().publishMany(
      topic,
      Array.from({ length: 30 }, (_, i) => ({
        type: 't',
        key: `k${i}`,
        payload: { key: `k${i}`, seq: 1 },
      })),
    );
    await sleep(3000);
    expect(handled.size).toBe(30);
  });
});
