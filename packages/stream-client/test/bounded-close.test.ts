import { type LaunchedRedis, launchRedis, uniqueName, waitFor } from '@redstream/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createStreamClient } from '../src/index.js';
import { loose } from './helpers/loose-options.js';
import { FAST, gate, MODES, settleTime } from './helpers/settle-contracts.js';

/**
 * Issue 14, defect 6: close() is bounded while Redis is unreachable. Leaving the group,
 * releasing leases and draining acks must not wait for a server that is gone (SIGKILL: the
 * connection is refused) or frozen (SIGSTOP: no answer, no RST). What could not be acked stays
 * pending for the next owner. Each test has a private Redis, since it kills or freezes it.
 */
const drainTimeoutMs = 2000;
/** The promise: close() settles within drainTimeoutMs + 5 s. */
const closeBoundMs = drainTimeoutMs + 5000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

const faults = [
  {
    name: 'SIGKILLed',
    apply: (redis: LaunchedRedis) => redis.kill('SIGKILL'),
    // Bring it back (same port) so whatever still waits on it can finish.
    undo: (redis: LaunchedRedis) => redis.restart(),
  },
  {
    name: 'SIGSTOPped',
    apply: async (redis: LaunchedRedis) => redis.server!.pause(),
    undo: async (redis: LaunchedRedis) => redis.server!.resume(),
  },
];

describe.each(MODES)('close() while Redis is unreachable (ordering %s)', (ordering) => {
  it.each(faults)(
    'settles within drainTimeoutMs + 5 s when Redis is $name, and client.close() too',
    async (fault) => {
      const redis = await launchRedis({ own: true });
      cleanups.push(() => redis.stop());
      const admin = await createStreamClient({ url: redis.url });
      const client = await createStreamClient({ url: redis.url });
      const topic = uniqueName('close');
      await admin.ensureTopic(topic, { partitions: 2 });
      const release = gate();
      let started = 0;
      const subscription = await client.subscribe<{ n: number }>(
        loose<{ n: number }>({
          ...FAST[ordering],
          topic,
          group: 'g',
          consumer: 'c',
          ordering,
          drainTimeoutMs,
          // Slow handlers: in flight when Redis goes away.
          handler: async () => {
            started++;
            await release.wait;
          },
        }),
      );
      await admin.producer().publishMany(
        topic,
        Array.from({ length: 20 }, (_, n) => ({ type: 't', key: `k${n}`, payload: { n } })),
      );
      await waitFor(() => started >= 2, { description: 'handlers in flight' });
      await admin.close();

      await fault.apply(redis);
      const closing = subscription.close();
      const subscriptionCloseMs = await settleTime(closing, closeBoundMs + 3000);
      const clientClosing = client.close();
      const clientCloseMs = await settleTime(clientClosing, closeBoundMs + 3000);
      const observed = JSON.stringify({
        subscriptionCloseMs: subscriptionCloseMs ?? 'not settled',
        clientCloseMs: clientCloseMs ?? 'not settled',
        started,
      });

      // Let whatever still waits finish before the next test (today: only once Redis is back).
      release.open();
      await fault.undo(redis);
      await settleTime(Promise.allSettled([closing, clientClosing]), 20_000);

      expect(subscriptionCloseMs, `subscription.close() did not settle: ${observed}`).toBeTypeOf(
        'number',
      );
      expect(subscriptionCloseMs, observed).toBeLessThanOrEqual(closeBoundMs);
      expect(clientCloseMs, `client.close() did not settle: ${observed}`).toBeTypeOf('number');
      expect(clientCloseMs, observed).toBeLessThanOrEqual(closeBoundMs);
    },
  );
});
