import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import type { Effects, HandlerContext, StreamClient } from '../src/index.js';
import { useCluster } from './helpers/cluster.js';
import { loose } from './helpers/loose-options.js';
import { useRedis } from './helpers/redis.js';
import { deadLettersOf, FAST, MODES, type Ordering } from './helpers/settle-contracts.js';

/**
 * Issue 14, defects 1, 2 and 5: settlement you can trust. The effects a handler queues apply
 * all together with the ack or not at all; an effect Redis refuses is a handler failure
 * (retried, then dead-lettered with reason `effects-failed`), never a half-applied ack; values
 * are stored byte for byte; a settlement error that always recurs does not re-run the handler
 * forever.
 */
const single = useRedis();
const cluster = useCluster();

type Payload = { n: number };

/** What a failing effect does to Redis before the test publishes. */
interface EffectFailure {
  name: string;
  prepare(client: StreamClient, state: (name: string) => string): Promise<unknown>;
  /** Queues a good effect first, then the one Redis refuses. */
  queue(effects: Effects, ctx: HandlerContext): void;
  /** What the dead letter's error must mention. */
  error: RegExp;
  /**
   * Reasons accepted for the dead letter. Where a validating effects builder may refuse the
   * call synchronously, the handler throws its typed error and the failure path decides:
   * `non-retriable` at once, or `max-deliveries` after the retries.
   */
  reasons: string[];
}

const failures: EffectFailure[] = [
  {
    name: 'HINCRBY on a key holding a string (WRONGTYPE)',
    prepare: (client, state) => client.redis.set(state('bad'), 'a string'),
    queue: (effects, ctx) =>
      effects.hincrby(ctx.stateKey('good'), 'n', 1).hincrby(ctx.stateKey('bad'), 'n', 1),
    error: /WRONGTYPE|wrong kind|hash|string/i,
    reasons: ['effects-failed'],
  },
  {
    name: 'HINCRBY on a field holding a non-integer',
    prepare: (client, state) => client.redis.hset(state('bad'), 'n', 'abc'),
    queue: (effects, ctx) =>
      effects.hincrby(ctx.stateKey('good'), 'n', 1).hincrby(ctx.stateKey('bad'), 'n', 1),
    error: /not an integer/i,
    reasons: ['effects-failed'],
  },
  {
    name: 'INCRBY on a list (WRONGTYPE)',
    prepare: (client, state) => client.redis.rpush(state('bad'), 'x'),
    queue: (effects, ctx) =>
      effects.hincrby(ctx.stateKey('good'), 'n', 1).incrby(ctx.stateKey('bad'), 1),
    error: /WRONGTYPE|wrong kind|integer|list|string/i,
    reasons: ['effects-failed'],
  },
  {
    name: 'INCRBY with too many arguments',
    prepare: async () => {},
    queue: (effects, ctx) =>
      effects.hincrby(ctx.stateKey('good'), 'n', 1).command('INCRBY', ctx.stateKey('bad'), 1, 2),
    error: /argument/i,
    reasons: ['effects-failed', 'non-retriable', 'max-deliveries'],
  },
];

describe.each(MODES)(
  'effects are all-or-nothing with the ack (ordering %s, single Redis)',
  (ordering) => {
    const maxDeliveries = 3;

    it.each(failures)(
      '$name: nothing applied, not acked, retried, then dead-lettered',
      async (failure) => {
        const client = await single.client();
        const topic = uniqueName('fx');
        await client.ensureTopic(topic, { partitions: 1 });
        const state = (name: string) => client.keys.state(topic, 0, name);
        const stream = client.keys.partitionStream(topic, 0);
        await failure.prepare(client, state);
        const badBefore = await client.redis.dumpBuffer(state('bad'));
        const attempts: number[] = [];
        /** ordering key retries in place: on each retry the entry must still be pending. */
        const pendingOnRetry: boolean[] = [];
        const subscription = await client.subscribe<Payload>(
          loose<Payload>({
            ...FAST[ordering],
            topic,
            group: 'g',
            consumer: 'c',
            ordering,
            maxDeliveries,
            retryBackoff: { baseMs: 50, maxMs: 100 },
            handler: async (_event, ctx) => {
              attempts.push(ctx.attempt);
              if (ordering === 'key' && ctx.attempt > 1) {
                const rows = (await ctx.redis.xpending(
                  stream,
                  'g',
                  ctx.entryId,
                  ctx.entryId,
                  1,
                )) as unknown[];
                pendingOnRetry.push(rows.length === 1);
              }
              failure.queue(ctx.effects, ctx);
            },
          }),
        );
        const [published] = await client
          .producer()
          .publishMany(topic, [{ type: 'fx', key: 'k', payload: { n: 1 } }]);
        await waitFor(async () => (await deadLettersOf(client, topic)).length > 0, {
          description: 'the event in the dead-letter stream',
          timeoutMs: 10_000,
        }).catch(() => {});
        await sleep(500);
        await subscription.close();

        const deadLetters = await deadLettersOf(client, topic);
        const observed = {
          goodN: await client.redis.hget(state('good'), 'n'),
          badUnchanged:
            Buffer.compare(
              (await client.redis.dumpBuffer(state('bad'))) ?? Buffer.alloc(0),
              badBefore ?? Buffer.alloc(0),
            ) === 0,
          marker: await client.redis.zscore(
            client.keys.doneMarkers(topic, 0, 'g'),
            published!.eventId,
          ),
          attempts,
          pendingOnRetry,
          deadLetters: deadLetters.map(({ reason, attempts, error, originId }) => ({
            reason,
            attempts,
            error,
            originId,
          })),
          pending: (await client.admin.groupLag(topic, 'g')).totals.pending,
        };
        const seen = JSON.stringify(observed);
        // Nothing of the failed settlement is applied: not the good effect, not the marker.
        expect(observed.goodN, seen).toBeNull();
        expect(observed.badUnchanged, seen).toBe(true);
        expect(observed.marker, seen).toBeNull();
        expect(deadLetters, seen).toHaveLength(1);
        const [deadLetter] = deadLetters;
        expect(failure.reasons, seen).toContain(deadLetter!.reason);
        expect(deadLetter!.error, seen).toMatch(failure.error);
        expect(deadLetter!.originId, seen).toBe(published!.entryId);
        // A malformed effect is refused by ctx.effects at once (InvalidEffectError): retrying
        // the handler cannot change it, so it is dead-lettered after one attempt.
        if (
          deadLetter!.reason === 'non-retriable' ||
          deadLetter!.error.startsWith('InvalidEffectError')
        ) {
          expect(attempts, seen).toEqual([1]);
        } else {
          // Retried while deliveries remained, never more.
          expect(attempts, seen).toEqual([1, 2, 3]);
          expect(deadLetter!.attempts, seen).toBe(maxDeliveries);
          if (ordering === 'key') expect(pendingOnRetry, seen).toEqual([true, true]);
        }
        expect(observed.pending, seen).toBe(0);
      },
    );

    it('stores values that look like the key markers exactly as given', async () => {
      const client = await single.client();
      const topic = uniqueName('fx');
      await client.ensureTopic(topic, { partitions: 1 });
      let handled = 0;
      const subscription = await client.subscribe(
        loose({
          ...FAST[ordering],
          topic,
          group: 'g',
          consumer: 'c',
          ordering,
          handler: (_event, ctx) => {
            ctx.effects
              .set(ctx.stateKey('v'), '\u0000k4')
              .rpush(ctx.stateKey('l'), '\u0000k5', 'x', '\u0000k9')
              .hset(ctx.stateKey('h'), { '\u0000k4': '\u0000k6' });
            handled++;
          },
        }),
      );
      await client.producer().publish(topic, { type: 'fx', key: 'k', payload: {} });
      await waitFor(
        async () => handled > 0 && (await client.redis.exists(client.keys.state(topic, 0, 'v'))),
        {
          description: 'the effects applied',
        },
      ).catch(() => {});
      await subscription.close();
      const state = (name: string) => client.keys.state(topic, 0, name);
      expect({
        v: await client.redis.get(state('v')),
        l: await client.redis.lrange(state('l'), 0, -1),
        h: await client.redis.hgetall(state('h')),
      }).toEqual({
        v: '\u0000k4',
        l: ['\u0000k5', 'x', '\u0000k9'],
        h: { '\u0000k4': '\u0000k6' },
      });
    });
  },
);

describe('an ack batch beyond what one script call can unpack (ordering key, single Redis)', () => {
  it('acks 9,000 entries settled in one tick without re-running any handler', async () => {
    const client = await single.client();
    const topic = uniqueName('bigack');
    await client.ensureTopic(topic, { partitions: 1 });
    const total = 9000;
    const producer = client.producer();
    for (let i = 0; i < total; i += 1000)
      await producer.publishMany(
        topic,
        Array.from({ length: 1000 }, (_, j) => ({
          type: 'big',
          key: `k${i + j}`,
          payload: { n: i + j },
        })),
      );
    const calls = new Map<number, number>();
    const subscription = await client.subscribe<Payload>(
      loose<Payload>({
        ...FAST.key,
        topic,
        group: 'g',
        consumer: 'c',
        ordering: 'key',
        batchSize: total,
        maxInFlight: total,
        concurrency: total,
        // Synchronous: every handler of the read settles in the same tick, one ack batch.
        handler: (event) => void calls.set(event.payload.n, (calls.get(event.payload.n) ?? 0) + 1),
      }),
    );
    const stream = client.keys.partitionStream(topic, 0);
    const pending = async () => Number(((await client.redis.xpending(stream, 'g')) as [number])[0]);
    await waitFor(async () => calls.size === total && (await pending()) === 0, {
      description: 'all 9,000 handled and acked',
      timeoutMs: 30_000,
    }).catch(() => {});
    await sleep(1000);
    await subscription.close();
    const reRun = [...calls.values()].filter((count) => count > 1).length;
    expect({ handled: calls.size, reRun, pending: await pending() }).toEqual({
      handled: total,
      reRun: 0,
      pending: 0,
    });
  });
});

describe.each(MODES)(
  'an effect key outside the partition slot (ordering %s, Redis Cluster)',
  (ordering: Ordering) => {
    it('is dead-lettered as effects-failed (or refused at once), runs the handler at most maxDeliveries times, and the key moves on', async () => {
      const client = await cluster.client();
      const topic = uniqueName('xslot');
      await client.ensureTopic(topic, { partitions: 1 });
      const stream = client.keys.partitionStream(topic, 0);
      const slot = (key: string) =>
        (client.redis as import('ioredis').Cluster).cluster('KEYSLOT', key);
      const otherKey = `other-key-${topic}`;
      expect(await slot(otherKey)).not.toBe(await slot(stream));
      const maxDeliveries = 3;
      const attempts = new Map<number, number>();
      const subscription = await client.subscribe<Payload>(
        loose<Payload>({
          ...FAST[ordering],
          topic,
          group: 'g',
          consumer: 'c',
          ordering,
          maxDeliveries,
          retryBackoff: { baseMs: 50, maxMs: 100 },
          handler: (event, ctx) => {
            attempts.set(event.payload.n, (attempts.get(event.payload.n) ?? 0) + 1);
            ctx.effects.hincrby(ctx.stateKey('good'), `n${event.payload.n}`, 1);
            if (event.payload.n === 1) ctx.effects.incrby(otherKey, 1);
          },
        }),
      );
      // Same key: in ordering key the second waits for the first to be settled.
      await client.producer().publish(topic, { type: 'x', key: 'k', payload: { n: 1 } });
      await client.producer().publish(topic, { type: 'x', key: 'k', payload: { n: 2 } });
      const good = client.keys.state(topic, 0, 'good');
      await waitFor(
        async () =>
          (attempts.get(1) ?? 0) > 3 * maxDeliveries ||
          ((await client.redis.hget(good, 'n2')) === '1' &&
            (await deadLettersOf(client, topic)).length > 0),
        { description: 'the second event handled and the first dead-lettered', timeoutMs: 20_000 },
      ).catch(() => {});
      await sleep(500);
      await subscription.close();
      const deadLetters = await deadLettersOf(client, topic);
      const observed = {
        firstEventHandlerRuns: attempts.get(1) ?? 0,
        n1: await client.redis.hget(good, 'n1'),
        n2: await client.redis.hget(good, 'n2'),
        otherKey: await client.redis.exists(otherKey),
        deadLetters: deadLetters.map(({ reason, attempts, error, event }) => ({
          reason,
          attempts,
          error,
          payload: event?.payload,
        })),
        pending: (await client.admin.groupLag(topic, 'g')).totals.pending,
      };
      const seen = JSON.stringify(observed);
      expect(observed.firstEventHandlerRuns, seen).toBeLessThanOrEqual(maxDeliveries);
      expect(observed.n1, seen).toBeNull();
      expect(observed.n2, seen).toBe('1');
      expect(observed.otherKey, seen).toBe(0);
      expect(
        observed.deadLetters.map((dl) => dl.payload),
        seen,
      ).toEqual([{ n: 1 }]);
      // effects-failed; or, when ctx.effects refuses the key at once, whatever the handler's
      // failure path makes of its typed error (the error text still names the problem).
      expect(['effects-failed', 'non-retriable', 'max-deliveries'], seen).toContain(
        observed.deadLetters[0]!.reason,
      );
      expect(observed.deadLetters[0]!.error, seen).toMatch(/CROSSSLOT|slot|stateKey|partition/i);
      expect(observed.pending, seen).toBe(0);
    });
  },
);
