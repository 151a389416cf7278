import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import type { StreamClientError, Subscription } from '../src/index.js';
import { loose } from './helpers/loose-options.js';
import { useRedis } from './helpers/redis.js';
import {
  deadLettersOf,
  FAST,
  MODES,
  onNext,
  type SubscribeOptionsNext,
} from './helpers/settle-contracts.js';

/**
 * Issue 14, defect 4: handlers you can control. `handlerTimeoutMs` aborts an attempt that does
 * not settle (ctx.signal), counts it as a retriable failure (RS_HANDLER_TIMEOUT; dead letter
 * reason `timeout` once deliveries are used up) and frees its concurrency slot.
 * `progressTimeoutMs` is the replica-wide watchdog: no handler completed for that long while
 * work is in flight, and the replica gives its work up so another replica can do it.
 */
const env = useRedis();

type Payload = { name: string };
const never = () => new Promise<void>(() => {});

async function newTopic() {
  const client = await env.client();
  const topic = uniqueName('hc');
  await client.ensureTopic(topic, { partitions: 1 });
  return { client, topic };
}

describe.each(MODES)('handlerTimeoutMs (ordering %s)', (ordering) => {
  const handlerTimeoutMs = 500;
  const base = {
    ...FAST[ordering],
    group: 'g',
    consumer: 'c',
    ordering,
    handlerTimeoutMs,
    retryBackoff: { baseMs: 50, maxMs: 100 },
    // Today a hanging handler is only ended by close(): keep that short.
    drainTimeoutMs: 500,
  };

  it('aborts an attempt that never settles, counts a retriable RS_HANDLER_TIMEOUT failure, and retries it', async () => {
    const { client, topic } = await newTopic();
    const attempts: number[] = [];
    let abortedAfterMs: number | undefined;
    const failed: Array<{ code: unknown; attempt: number; willRetry: boolean }> = [];
    const handled: number[] = [];
    const options: SubscribeOptionsNext<Payload> = {
      ...base,
      topic,
      maxDeliveries: 3,
      handler: (_event, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt > 1) return;
        const startedAt = Date.now();
        ctx.signal.addEventListener('abort', () => {
          abortedAfterMs = Date.now() - startedAt;
        });
        return never();
      },
    };
    const subscription = await client.subscribe(loose(options));
    subscription.on('consumer.failed', ({ error, attempt, willRetry }) =>
      failed.push({ code: (error as StreamClientError).code, attempt, willRetry }),
    );
    subscription.on('consumer.handled', ({ attempt }) => void handled.push(attempt));
    await client.producer().publish(topic, { type: 't', key: 'k', payload: { name: 'x' } });
    await waitFor(() => handled.length > 0, {
      description: 'the retry handled',
      timeoutMs: 10_000,
    }).catch(() => {});
    // Taken before close(), which aborts what is still running once its drain times out.
    const observed = {
      attempts: [...attempts],
      abortedAfterMs,
      failed: [...failed],
      handled: [...handled],
    };
    const seen = JSON.stringify(observed);
    await subscription.close();
    expect(observed.abortedAfterMs, `ctx.signal not aborted: ${seen}`).toBeTypeOf('number');
    expect(observed.abortedAfterMs, seen).toBeGreaterThanOrEqual(handlerTimeoutMs - 50);
    expect(observed.abortedAfterMs, seen).toBeLessThan(handlerTimeoutMs + 3000);
    expect(observed.failed, seen).toEqual([
      { code: 'RS_HANDLER_TIMEOUT', attempt: 1, willRetry: true },
    ]);
    expect(observed.attempts, seen).toEqual([1, 2]);
    expect(observed.handled, seen).toEqual([2]);
  });

  it('dead-letters an always-hanging handler with reason timeout after maxDeliveries', async () => {
    const { client, topic } = await newTopic();
    const attempts: number[] = [];
    const options: SubscribeOptionsNext<Payload> = {
      ...base,
      topic,
      maxDeliveries: 2,
      handler: (_event, ctx) => {
        attempts.push(ctx.attempt);
        return never();
      },
    };
    const subscription = await client.subscribe(loose(options));
    await client.producer().publish(topic, { type: 't', key: 'k', payload: { name: 'x' } });
    await waitFor(async () => (await deadLettersOf(client, topic)).length > 0, {
      description: 'the dead letter',
      timeoutMs: 10_000,
    }).catch(() => {});
    const deadLetters = (await deadLettersOf(client, topic)).map(({ reason, attempts }) => ({
      reason,
      attempts,
    }));
    const seen = JSON.stringify({ attempts, deadLetters });
    await subscription.close();
    expect(deadLetters, seen).toEqual([{ reason: 'timeout', attempts: 2 }]);
    expect(attempts, seen).toEqual([1, 2]);
  });

  it('frees the concurrency slot of a hanging handler: with concurrency 1 the other keys are handled', async () => {
    const { client, topic } = await newTopic();
    const handled: string[] = [];
    const options: SubscribeOptionsNext<Payload> = {
      ...base,
      topic,
      concurrency: 1,
      maxDeliveries: 2,
      handler: (event) => {
        if (event.payload.name === 'hangs') return never();
        handled.push(event.payload.name);
      },
    };
    const subscription = await client.subscribe(loose(options));
    await client.producer().publish(topic, { type: 't', key: 'a', payload: { name: 'hangs' } });
    await client.producer().publish(topic, { type: 't', key: 'b', payload: { name: 'b' } });
    await client.producer().publish(topic, { type: 't', key: 'c', payload: { name: 'c' } });
    await waitFor(() => handled.length === 2, {
      description: 'the other keys handled',
      timeoutMs: 10_000,
    }).catch(() => {});
    const seen = JSON.stringify({ handled });
    await subscription.close();
    expect(handled.sort(), seen).toEqual(['b', 'c']);
  });
});

describe('progressTimeoutMs: a stalled replica gives its work up', () => {
  it('ordering key: fires consumer.stalled and another replica takes the partition over', async () => {
    const { client, topic } = await newTopic();
    const seen: string[] = [];
    const stalled: unknown[] = [];
    const subscriptions: Subscription[] = [];
    const common = {
      ...FAST.key,
      topic,
      group: 'g',
      ordering: 'key' as const,
      drainTimeoutMs: 500,
    };
    const stuck: SubscribeOptionsNext<Payload> = {
      ...common,
      consumer: 'stuck',
      progressTimeoutMs: 1500,
      handler: () => {
        seen.push('stuck');
        return never();
      },
    };
    const a = await client.subscribe(loose(stuck));
    subscriptions.push(a);
    onNext(a, 'consumer.stalled', (payload) => void stalled.push(payload));
    await waitFor(() => a.ownedPartitions.length === 1, {
      description: 'stuck owns the partition',
    });
    const b = await (await env.client()).subscribe<Payload>(
      loose<Payload>({
        ...common,
        consumer: 'healthy',
        handler: () => void seen.push('healthy'),
      }),
    );
    subscriptions.push(b);
    await client.producer().publish(topic, { type: 't', key: 'k', payload: { name: 'x' } });
    await waitFor(() => seen.includes('healthy'), {
      description: 'the healthy replica to handle the event',
      timeoutMs: 15_000,
    }).catch(() => {});
    const observed = JSON.stringify({
      seen,
      stalled: stalled.length,
      owned: { stuck: a.ownedPartitions, healthy: b.ownedPartitions },
    });
    await Promise.all(subscriptions.map((s) => s.close()));
    expect(stalled.length, observed).toBeGreaterThanOrEqual(1);
    expect(seen[0], observed).toBe('stuck');
    expect(seen, observed).toContain('healthy');
  });

  it('ordering none: fires consumer.stalled and stops extending its claims, so another replica claims the entry', async () => {
    const { client, topic } = await newTopic();
    const seen: string[] = [];
    const stalled: unknown[] = [];
    const subscriptions: Subscription[] = [];
    const common = {
      ...FAST.none,
      topic,
      group: 'g',
      ordering: 'none' as const,
      claimIdleMs: 1000,
      claimIntervalMs: 200,
      drainTimeoutMs: 500,
    };
    const stuck: SubscribeOptionsNext<Payload> = {
      ...common,
      consumer: 'stuck',
      progressTimeoutMs: 1500,
      handler: () => {
        seen.push('stuck');
        return never();
      },
    };
    const a = await client.subscribe(loose(stuck));
    subscriptions.push(a);
    onNext(a, 'consumer.stalled', (payload) => void stalled.push(payload));
    await client.producer().publish(topic, { type: 't', key: 'k', payload: { name: 'x' } });
    await waitFor(() => seen.includes('stuck'), { description: 'the stuck replica took it' });
    const b = await (await env.client()).subscribe<Payload>(
      loose<Payload>({
        ...common,
        consumer: 'healthy',
        handler: () => void seen.push('healthy'),
      }),
    );
    subscriptions.push(b);
    await waitFor(() => seen.includes('healthy'), {
      description: 'the healthy replica to claim and handle the event',
      timeoutMs: 15_000,
    }).catch(() => {});
    await sleep(200);
    const observed = JSON.stringify({ seen, stalled: stalled.length });
    await Promise.all(subscriptions.map((s) => s.close()));
    expect(stalled.length, observed).toBeGreaterThanOrEqual(1);
    expect(seen[0], observed).toBe('stuck');
    expect(seen, observed).toContain('healthy');
  });
});
