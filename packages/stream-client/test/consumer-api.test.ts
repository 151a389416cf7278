import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import type { AllSubscribeOptions } from '../src/consumer/subscribe-options.js';
import {
  type ConsumerEvents,
  type DecodedEvent,
  type EventBatch,
  type HandlerContext,
  type Middleware,
  NonRetriableError,
  type StreamClient,
  type Subscription,
  throttle,
  timeout,
} from '../src/index.js';
import { useCluster } from './helpers/cluster.js';
import { loose } from './helpers/loose-options.js';
import { useRedis } from './helpers/redis.js';

/**
 * The consumer API of KafkaJS and Watermill, in both modes, on a single Redis and a cluster:
 * pause/resume, routing by event type, batch handlers, middleware, seek on a running group,
 * a group created at a position, whenAssigned. Each test checks the promise a user relies
 * on (nothing read while paused, no lease lost, nothing lost after resume, each event once)
 * rather than that the call exists.
 */
const single = useRedis();
const cluster = useCluster();

type Payload = { n: number; key: string; seq: number };

const cases = [
  { ordering: 'none', target: 'a single Redis', env: single },
  { ordering: 'key', target: 'a single Redis', env: single },
  { ordering: 'none', target: 'a Redis Cluster', env: cluster },
  { ordering: 'key', target: 'a Redis Cluster', env: cluster },
] as const;

const SESSION_MS = 2000;

describe.each(cases)('consumer API (ordering $ordering, $target)', ({ ordering, env }) => {
  const fast: Partial<AllSubscribeOptions<Payload>> = {
    blockMs: 200,
    ...(ordering === 'key'
      ? { heartbeatIntervalMs: 100, sessionTimeoutMs: SESSION_MS }
      : { claimIdleMs: 1000, claimIntervalMs: 200 }),
  };

  async function newTopic(client: StreamClient, partitions = 4): Promise<string> {
    const topic = uniqueName('api');
    await client.ensureTopic(topic, { partitions });
    return topic;
  }

  function subscription(
    client: StreamClient,
    options: Omit<AllSubscribeOptions<Payload>, 'ordering'>,
  ): Subscription {
    return client.subscription<Payload>(loose<Payload>({ ...fast, ...options, ordering }));
  }

  /** `count` events over 5 keys, each key's `seq` counting up from `from`. */
  function publish(client: StreamClient, topic: string, from: number, count: number, type = 'num') {
    return client.producer().publishMany(
      topic,
      Array.from({ length: count }, (_, i) => {
        const n = from + i;
        const key = `k${n % 5}`;
        return { type, key, payload: { n, key, seq: Math.floor(n / 5) } };
      }),
    );
  }

  async function leaseValues(
    client: StreamClient,
    topic: string,
    group: string,
    partitions: number,
  ) {
    return Promise.all(
      Array.from({ length: partitions }, (_, p) =>
        client.redis.get(client.keys.lease(topic, p, group)),
      ),
    );
  }

  function collect<E extends keyof ConsumerEvents>(sub: Subscription, event: E) {
    const seen: ConsumerEvents[E][] = [];
    sub.on(event, (payload) => void seen.push(payload));
    return seen;
  }

  it('pause reads nothing and loses no lease; resume loses nothing', async () => {
    const client = await env.client();
    const topic = await newTopic(client);
    const handled = new Map<number, number>();
    const sub = subscription(client, {
      topic,
      group: 'g',
      consumer: 'c',
      handler: (event) =>
        void handled.set(event.payload.n, (handled.get(event.payload.n) ?? 0) + 1),
    });
    const lost = collect(sub, 'consumer.partition.lost');
    const revoked = collect(sub, 'consumer.partition.revoked');
    const paused = collect(sub, 'consumer.paused');
    await sub.start();
    await sub.whenAssigned();
    await publish(client, topic, 0, 40);
    await waitFor(() => handled.size === 40, { description: 'the first 40' });

    await sub.pause();
    expect(sub.paused).toBe('all');
    expect(paused).toEqual([{ partitions: 'all' }]);
    const leasesBefore = await leaseValues(client, topic, 'g', 4);
    await publish(client, topic, 40, 60);
    // Longer than the session timeout: a pause that stopped renewing would lose the leases.
    await sleep(SESSION_MS * 2);
    expect(handled.size).toBe(40);
    const lag = await client.admin.groupLag(topic, 'g');
    expect(lag.partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0)).toBe(60);
    if (ordering === 'key') {
      expect(await leaseValues(client, topic, 'g', 4)).toEqual(leasesBefore);
      expect(sub.ownedPartitions).toEqual([0, 1, 2, 3]);
    }
    expect(lost).toEqual([]);
    expect(revoked).toEqual([]);

    sub.resume();
    expect(sub.paused).toEqual([]);
    await waitFor(() => handled.size === 100, { description: 'all 100 after resume' });
    await sleep(200);
    await sub.close();
    expect([...handled.values()].every((count) => count === 1)).toBe(true);
  });

  it.runIf(ordering === 'key')('pauses and resumes single partitions', async () => {
    const client = await env.client();
    const topic = await newTopic(client);
    const byPartition = new Map<number, number>();
    const sub = subscription(client, {
      topic,
      group: 'g',
      consumer: 'c',
      handler: (_event, ctx) =>
        void byPartition.set(ctx.partition, (byPartition.get(ctx.partition) ?? 0) + 1),
    });
    await sub.start();
    await sub.whenAssigned();
    await sub.pause([0, 2]);
    expect(sub.paused).toEqual([0, 2]);
    const published = await publish(client, topic, 0, 80);
    const perPartition = new Map<number, number>();
    for (const result of published)
      perPartition.set(result.partition, (perPartition.get(result.partition) ?? 0) + 1);
    await waitFor(
      () =>
        byPartition.get(1) === perPartition.get(1) && byPartition.get(3) === perPartition.get(3),
      { description: 'partitions 1 and 3 handled' },
    );
    await sleep(SESSION_MS);
    expect(byPartition.get(0)).toBeUndefined();
    expect(byPartition.get(2)).toBeUndefined();
    expect(sub.ownedPartitions).toEqual([0, 1, 2, 3]);
    sub.resume([0]);
    await waitFor(() => byPartition.get(0) === perPartition.get(0), {
      description: 'partition 0 after its resume',
    });
    expect(byPartition.get(2)).toBeUndefined();
    sub.resume();
    await waitFor(() => byPartition.get(2) === perPartition.get(2), {
      description: 'partition 2 after resume()',
    });
    await sub.close();
  });

  it.runIf(ordering === 'none')(
    'refuses a per-partition pause (every replica reads every partition)',
    async () => {
      const client = await env.client();
      const topic = await newTopic(client);
      const sub = subscription(client, { topic, group: 'g', consumer: 'c', handler: () => {} });
      await sub.start();
      await expect(sub.pause([0])).rejects.toMatchObject({ code: 'RS_CONFIG_INVALID_OPTION' });
      await sub.close();
    },
  );

  it('routes each type to its handler, unknown types to the fallback or to dead letters', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 2);
    const paid: number[] = [];
    const shipped: number[] = [];
    const other: string[] = [];
    const withFallback = subscription(client, {
      topic,
      group: 'routed',
      consumer: 'c',
      handlers: {
        'order.paid': (event: DecodedEvent<Payload>) => void paid.push(event.payload.n),
        'order.shipped': (event: DecodedEvent<Payload>, ctx: HandlerContext) => {
          expect(ctx.topic).toBe(topic);
          shipped.push(event.payload.n);
        },
      },
      fallback: (event) => void other.push(event.type),
    });
    const strictHandled: string[] = [];
    const strict = subscription(client, {
      topic,
      group: 'strict',
      consumer: 'c',
      handlers: { 'order.paid': (event: DecodedEvent) => void strictHandled.push(event.type) },
    });
    await Promise.all([withFallback.start(), strict.start()]);
    await publish(client, topic, 0, 6, 'order.paid');
    await publish(client, topic, 6, 4, 'order.shipped');
    await publish(client, topic, 10, 3, 'order.refunded');
    await waitFor(() => paid.length + shipped.length + other.length === 13, {
      description: 'all 13 routed',
    });
    expect(paid.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(shipped.sort((a, b) => a - b)).toEqual([6, 7, 8, 9]);
    expect(other).toEqual(['order.refunded', 'order.refunded', 'order.refunded']);

    await waitFor(
      async () =>
        (await client.admin.listDeadLetters(topic)).filter((d) => d.group === 'strict').length ===
        7,
      { description: 'the 7 unroutable events dead-lettered by the strict group' },
    );
    const dead = (await client.admin.listDeadLetters(topic)).filter((d) => d.group === 'strict');
    expect(new Set(dead.map((d) => d.reason))).toEqual(new Set(['no-handler']));
    expect(dead.map((d) => d.error).join()).toContain('order.shipped');
    expect(strictHandled).toHaveLength(6);
    await Promise.all([withFallback.close(), strict.close()]);
  });

  it('hands batches of one partition; a failure settles the resolved and retries the rest; effects land once', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 4);
    const batches: Array<{ partition: number; size: number }> = [];
    const handled = new Map<number, number>();
    let failedOnce = false;
    const sub = subscription(client, {
      topic,
      group: 'g',
      consumer: 'c',
      concurrency: 32,
      retryBackoff: { baseMs: 50, maxMs: 100 },
      batch: { maxSize: 32, maxWaitMs: 20 },
      batchHandler: async (batch: EventBatch<Payload>) => {
        batches.push({ partition: batch.partition, size: batch.events.length });
        for (const [index, event] of batch.events.entries()) {
          const ctx = batch.contextOf(event);
          expect(ctx.partition).toBe(batch.partition);
          ctx.effects.incrby(ctx.stateKey('count'), 1);
          if (
            !failedOnce &&
            batch.events.length > 2 &&
            index === Math.floor(batch.events.length / 2)
          ) {
            failedOnce = true;
            throw new Error('the sink failed midway');
          }
          batch.resolve(event);
          handled.set(event.payload.n, (handled.get(event.payload.n) ?? 0) + 1);
        }
      },
    });
    await sub.start();
    await sub.whenAssigned();
    await publish(client, topic, 0, 200);
    await waitFor(() => handled.size === 200, { description: 'all 200 resolved' });
    await sleep(300);
    await sub.close();
    expect(failedOnce).toBe(true);
    expect([...handled.values()].every((count) => count === 1)).toBe(true);
    expect(batches.some((batch) => batch.size > 1)).toBe(true);
    // Each event's effect was applied once, with its ack: the failed batch's resolved half
    // kept theirs, the rest applied theirs on the retry.
    let total = 0;
    for (let partition = 0; partition < 4; partition++)
      total += Number((await client.redis.get(client.keys.state(topic, partition, 'count'))) ?? 0);
    expect(total).toBe(200);
  });

  it('a failing batch with nothing resolved dead-letters non-retriable events one by one', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 1);
    const sub = subscription(client, {
      topic,
      group: 'g',
      consumer: 'c',
      batchHandler: () => {
        throw new NonRetriableError('the sink refuses these');
      },
    });
    await sub.start();
    await publish(client, topic, 0, 5);
    await waitFor(async () => (await client.admin.listDeadLetters(topic)).length === 5, {
      description: '5 dead letters',
    });
    await sub.close();
  });

  it('runs middleware outermost first, and the built-in timeout fails a slow run for a retry', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 1);
    const trace: string[] = [];
    const tag =
      (name: string): Middleware =>
      (next) =>
      async (event, ctx) => {
        trace.push(`${name}>`);
        await next(event, ctx);
        trace.push(`<${name}`);
      };
    const attempts: Array<{ attempt: number; aborted: boolean }> = [];
    const sub = subscription(client, {
      topic,
      group: 'g',
      consumer: 'c',
      retryBackoff: { baseMs: 50, maxMs: 100 },
      middleware: [tag('outer'), tag('inner'), timeout(300)],
      handler: async (_event, ctx) => {
        trace.push('handler');
        if (ctx.attempt === 1) {
          await sleep(800);
          attempts.push({ attempt: ctx.attempt, aborted: ctx.signal.aborted });
          return;
        }
        attempts.push({ attempt: ctx.attempt, aborted: ctx.signal.aborted });
      },
    });
    await sub.start();
    await publish(client, topic, 0, 1);
    await waitFor(() => attempts.length === 2, { description: 'the slow run and its retry' });
    await sub.close();
    expect(trace.slice(0, 3)).toEqual(['outer>', 'inner>', 'handler']);
    expect(trace.slice(-3)).toEqual(['handler', '<inner', '<outer']);
    expect(attempts).toEqual(
      expect.arrayContaining([
        { attempt: 1, aborted: true },
        { attempt: 2, aborted: false },
      ]),
    );
  });

  it('throttles handler starts', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 2);
    const starts: number[] = [];
    const sub = subscription(client, {
      topic,
      group: 'g',
      consumer: 'c',
      middleware: [throttle({ perSecond: 20 })],
      handler: () => void starts.push(performance.now()),
    });
    await sub.start();
    await publish(client, topic, 0, 11);
    await waitFor(() => starts.length === 11, { description: '11 starts' });
    await sub.close();
    // 20 per second with a burst of 1: 10 gaps of 50 ms at least (a little timer slack).
    expect(starts[10]! - starts[0]!).toBeGreaterThanOrEqual(450);
  });

  it('a throttle behind a timeout keeps its rate: runs that time out waiting take no token', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 2);
    const handled = new Set<number>();
    const sub = subscription(client, {
      topic,
      group: 'g',
      consumer: 'c',
      concurrency: 16,
      maxDeliveries: 1000,
      retryBackoff: { baseMs: 10, maxMs: 20 },
      // 16 waiting at 20/s is 0.8 s of queue against a 300 ms timeout: most waits time out.
      middleware: [timeout(300), throttle({ perSecond: 20 })],
      handler: (event) => void handled.add(event.payload.n),
    });
    await sub.start();
    await publish(client, topic, 0, 100);
    await waitFor(() => handled.size === 100, {
      description: '100 handled at the throttled rate',
      timeoutMs: 20_000,
    });
    await sub.close();
  });

  it.runIf(ordering === 'key')(
    'a timeout middleware bounds how long the key waits for a run that ignores its signal',
    async () => {
      const client = await env.client();
      const topic = await newTopic(client, 1);
      const starts: Array<{ n: number; attempt: number; at: number }> = [];
      const began = performance.now();
      const sub = subscription(client, {
        topic,
        group: 'g',
        consumer: 'c',
        retryBackoff: { baseMs: 10, maxMs: 20 },
        middleware: [timeout(200)],
        handler: (event, ctx) => {
          starts.push({ n: event.payload.n, attempt: ctx.attempt, at: performance.now() - began });
          // The first run hangs and ignores its signal (handlerTimeoutMs stays 5 minutes).
          if (ctx.attempt === 1 && event.payload.n === 0) return new Promise<void>(() => {});
        },
      });
      await sub.start();
      await client.producer().publishMany(topic, [
        { type: 'num', key: 'k', payload: { n: 0, key: 'k', seq: 0 } },
        { type: 'num', key: 'k', payload: { n: 1, key: 'k', seq: 1 } },
      ]);
      await waitFor(() => starts.some((s) => s.n === 1), {
        description: 'the key to go on within the middleware timeout grace',
        timeoutMs: 10_000,
      });
      await sub.close();
      expect(starts.map((s) => [s.n, s.attempt])).toEqual([
        [0, 1],
        [0, 2],
        [1, 1],
      ]);
      // It waited for the hung run (one key never runs twice at once), for about 2 s.
      expect(starts[1]!.at - starts[0]!.at).toBeGreaterThanOrEqual(1900);
    },
  );

  it.runIf(ordering === 'key')(
    'seeks back while a key has entries in flight and queued: the replay runs in stream order and ends on the newest',
    async () => {
      const client = await env.client();
      const topic = await newTopic(client, 1);
      const runs: number[] = [];
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let holding = true;
      const sub = subscription(client, {
        topic,
        group: 'g',
        consumer: 'c',
        handler: async (event) => {
          runs.push(event.payload.n);
          if (event.payload.n === 3 && holding) {
            holding = false;
            await held;
          }
        },
      });
      await sub.start();
      await client.producer().publishMany(
        topic,
        Array.from({ length: 10 }, (_, n) => ({
          type: 'num',
          key: 'k',
          payload: { n, key: 'k', seq: n },
        })),
      );
      await waitFor(() => runs.includes(3), { description: 'n = 3 running, 4..9 queued' });
      await client.admin.seek(topic, 'g', 'beginning');
      await sleep(500);
      release();
      await waitFor(() => runs.length === 13, { description: '0..9, then 0..2 again' });
      await sleep(300);
      await sub.close();
      expect(runs.slice(0, 4)).toEqual([0, 1, 2, 3]);
      // n = 3 (running) and n = 4 (next in line) were in flight at the seek; after them the
      // replay goes in stream order and the key ends on its newest event.
      const after = runs.slice(4);
      expect(after.slice(0, 1)).toEqual([4]);
      expect(after.slice(1)).toEqual([0, 1, 2, 5, 6, 7, 8, 9]);
    },
  );

  it('seeks a running group back to a time: everything after it again, in order per key', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 4);
    const runs: Payload[] = [];
    const sub = subscription(client, {
      topic,
      group: 'g',
      consumer: 'c',
      handler: (event) => void runs.push(event.payload),
    });
    await sub.start();
    await publish(client, topic, 0, 30);
    await waitFor(() => runs.length === 30, { description: 'the first pass' });
    // The earliest append time of the next 20: the seek must deliver exactly those again. Not
    // the first one's: on a cluster the partitions' appends go to their masters in parallel, so
    // a later event can be appended a millisecond earlier on another master. The pause keeps
    // the first 30 in earlier milliseconds.
    await sleep(5);
    const next = await publish(client, topic, 30, 20);
    await waitFor(() => runs.length === 50, { description: 'the next 20' });
    const at = Math.min(...next.map((result) => Number(result.entryId.split('-')[0])));
    const changes = await client.admin.seek(topic, 'g', { timestamp: at });
    expect(changes).toHaveLength(4);
    await waitFor(() => runs.length === 70, { description: 'the 20 again after the seek' });
    await sleep(300);
    await sub.close();
    expect(runs).toHaveLength(70);
    const again = runs.slice(50);
    expect(again.map((p) => p.n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => 30 + i),
    );
    if (ordering === 'key') {
      for (const key of ['k0', 'k1', 'k2', 'k3', 'k4']) {
        const seqs = again.filter((p) => p.key === key).map((p) => p.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      }
    }
  });

  it.runIf(ordering === 'key')(
    'seeks back while a key retries with its later entries parked: the key replays from the position too',
    async () => {
      const client = await env.client();
      const topic = await newTopic(client, 1);
      const runs: Array<{ n: number; attempt: number }> = [];
      let failing = true;
      const sub = subscription(client, {
        topic,
        group: 'g',
        consumer: 'c',
        retryBackoff: { baseMs: 300, maxMs: 300 },
        maxDeliveries: 100,
        handler: (event, ctx) => {
          runs.push({ n: event.payload.n, attempt: ctx.attempt });
          if (event.payload.n === 5 && failing) throw new Error('key k0 is failing');
        },
      });
      await sub.start();
      // k0 gets n = 0, 5, 10, 15; n = 5 fails until told otherwise, parking 10 and 15.
      const published = await publish(client, topic, 0, 20);
      await waitFor(() => runs.filter((r) => r.n === 5).length >= 2, {
        description: 'n = 5 retrying',
      });
      const at = Number(published[0]!.entryId.split('-')[0]);
      await client.admin.seek(topic, 'g', { timestamp: at });
      await sleep(500);
      failing = false;
      const count = (n: number) => runs.filter((r) => r.n === n && r.attempt >= 1).length;
      await waitFor(() => count(0) === 2 && count(10) >= 1 && count(15) >= 1, {
        description: 'k0 replayed from the position (n = 0 again) and its parked entries run',
        timeoutMs: 15_000,
      });
      await sleep(500);
      await sub.close();
      // Every entry after the position that had run ran again; n = 5 was in flight during the
      // seek (it finishes once), 10 and 15 were parked behind it and had not run yet.
      for (let n = 0; n < 20; n++)
        if (![5, 10, 15].includes(n)) expect(count(n), `n = ${n}`).toBeGreaterThanOrEqual(2);
      const lag = await client.admin.groupLag(topic, 'g');
      expect(lag.partitions[0]!.pending).toBe(0);
    },
  );

  it('seeks a running group to the end: what was not read yet is skipped', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 2);
    const handled: number[] = [];
    const sub = subscription(client, {
      topic,
      group: 'g',
      consumer: 'c',
      handler: (event) => void handled.push(event.payload.n),
    });
    await sub.start();
    await sub.pause();
    await publish(client, topic, 0, 10);
    await client.admin.seek(topic, 'g', 'end');
    sub.resume();
    await publish(client, topic, 10, 5);
    await waitFor(() => handled.length === 5, { description: 'the 5 after the seek' });
    await sleep(300);
    await sub.close();
    expect(handled.sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14]);
    await expect(client.admin.seek(topic, 'nope', 'end')).rejects.toMatchObject({
      code: 'RS_GROUP_NOT_FOUND',
    });
  });

  it('creates a group at a position without consuming; subscribers go on from there', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 2);
    await publish(client, topic, 0, 10);
    const created = await client.admin.createGroup(topic, 'late', 'end');
    expect(created.map((c) => c.from)).toEqual([undefined, undefined]);
    expect(await client.admin.listGroups(topic)).toContain('late');
    await publish(client, topic, 10, 4);
    const handled: number[] = [];
    const sub = subscription(client, {
      topic,
      group: 'late',
      consumer: 'c',
      startFrom: 'beginning', // an existing group keeps its position
      handler: (event) => void handled.push(event.payload.n),
    });
    await sub.start();
    await waitFor(() => handled.length === 4, { description: 'the 4 after creation' });
    await sleep(300);
    await sub.close();
    expect(handled.sort((a, b) => a - b)).toEqual([10, 11, 12, 13]);
  });

  it('whenAssigned resolves with each replica its share, and state is readable from outside', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 4);
    const subs = ['a', 'b'].map((name) =>
      subscription(client, {
        topic,
        group: 'g',
        consumer: name,
        handler: (event, ctx) => {
          ctx.effects.hincrby(ctx.stateKey(`orders:${event.key}`), 'count', 1);
        },
      }),
    );
    await Promise.all(subs.map((sub) => sub.start()));
    await waitFor(
      async () => {
        const shares = await Promise.all(subs.map((sub) => sub.whenAssigned()));
        return ordering === 'none' || shares.every((share) => share.length === 2);
      },
      { description: 'both replicas own their share', timeoutMs: 15_000 },
    );
    const shares = await Promise.all(subs.map((sub) => sub.whenAssigned()));
    if (ordering === 'key') expect([...shares[0]!, ...shares[1]!].sort()).toEqual([0, 1, 2, 3]);
    else
      expect(shares).toEqual([
        [0, 1, 2, 3],
        [0, 1, 2, 3],
      ]);
    await publish(client, topic, 0, 25);
    const stateKey = await client.admin.stateKey(topic, { key: 'k3' }, 'orders:k3');
    await waitFor(async () => (await client.redis.hget(stateKey, 'count')) === '5', {
      description: 'k3 counted 5 times, read through admin.stateKey',
    });
    await Promise.all(subs.map((sub) => sub.close()));
    await expect(subs[0]!.whenAssigned()).rejects.toMatchObject({ code: 'RS_CLOSED' });
  });
});

describe('subscribe options are a union by ordering (type-checked)', () => {
  it('refuses an option of the other mode and more than one handler kind', async () => {
    const client = await single.client();
    const handler = () => {};
    const base = { topic: 'typed', group: 'g', handler };
    // @ts-expect-error sessionTimeoutMs is an ordering key option
    expect(() => client.subscription({ ...base, ordering: 'none', sessionTimeoutMs: 1 })).toThrow(
      /sessionTimeoutMs/,
    );
    // @ts-expect-error claimIdleMs is an ordering none option
    expect(() => client.subscription({ ...base, ordering: 'key', claimIdleMs: 1 })).toThrow(
      /claimIdleMs/,
    );
    // @ts-expect-error handler and handlers together
    expect(() => client.subscription({ ...base, handlers: { a: handler } })).toThrow(
      /exactly one of handler, handlers or batchHandler/,
    );
    expect(() =>
      client.subscription({
        topic: 'typed',
        group: 'g',
        batchHandler: handler,
        batch: { maxSize: 64 },
      }),
    ).toThrow(/batch.maxSize/);
    // A whole subscription typed without casts in each mode.
    client.subscription({ ...base, ordering: 'key', sessionTimeoutMs: 5000 });
    client.subscription({ ...base, claimIdleMs: 5000 });
  });
});
