import type { Cluster, Redis } from 'ioredis';
import type { AllSubscribeOptions } from '../../src/consumer/subscribe-options.js';
import type { DeadLetter, StreamClient, Subscription } from '../../src/index.js';

/**
 * Shared pieces of the issue-14 contract tests (settlement, handler control, bounded close,
 * the in-flight bound, instrumentation).
 *
 * The fix adds options, events and one method that the types of today's code do not have.
 * Every cast needed to name them is in this file, so the tests type-check against today's
 * code and the casts can be dropped once the API exists:
 * - `handlerTimeoutMs`, `progressTimeoutMs`: typed below (`SubscribeOptionsNext`), no cast;
 * - events `consumer.stalled` and `consumer.skipped`: `onNext` (one cast to `never`);
 * - `client.subscription(options)` and `subscription.start()`: `createSubscription` (one cast).
 */

export type Ordering = 'none' | 'key';
export const MODES: Ordering[] = ['none', 'key'];

/** Options the fix adds to SubscribeOptions. */
export interface NextSubscribeOptions {
  /** A handler attempt running longer than this is aborted (ctx.signal) and counts as a retriable failure. */
  handlerTimeoutMs?: number;
  /** No handler completed for this long while work was in flight: the replica gives its work up. */
  progressTimeoutMs?: number;
}

export type SubscribeOptionsNext<P = unknown> = AllSubscribeOptions<P> & NextSubscribeOptions;

/** Events the fix adds. */
export interface NextConsumerEvents {
  'consumer.stalled': Record<string, unknown>;
  'consumer.skipped': { partition: number; entryId: string; reason: string };
}

/** Listens to an event the fix adds (not in ConsumerEventName yet). */
export function onNext<E extends keyof NextConsumerEvents>(
  subscription: Subscription,
  event: E,
  listener: (payload: NextConsumerEvents[E]) => void,
): () => void {
  return subscription.on(event as never, listener as never);
}

/** A subscription created without starting it (`client.subscription(options)`), started later. */
export interface StartableSubscription extends Subscription {
  start(): Promise<void>;
}

export function createSubscription<P>(
  client: StreamClient,
  options: SubscribeOptionsNext<P>,
): StartableSubscription {
  const next = client as unknown as {
    subscription(options: SubscribeOptionsNext<P>): StartableSubscription;
  };
  return next.subscription(options);
}

/**
 * Fast timings that belong to each mode only: the fix refuses the options of the other mode
 * (claimIdleMs and claimIntervalMs are ordering none; sessionTimeoutMs and heartbeatIntervalMs
 * ordering key).
 */
export const FAST: Record<Ordering, Partial<AllSubscribeOptions<unknown>>> = {
  none: { blockMs: 200, claimIdleMs: 1000, claimIntervalMs: 200 },
  key: { blockMs: 200, heartbeatIntervalMs: 100, sessionTimeoutMs: 2000 },
};

/** Dead letters of a topic, or [] while the topic cannot be read. */
export async function deadLettersOf(client: StreamClient, topic: string): Promise<DeadLetter[]> {
  return client.admin.listDeadLetters(topic).catch(() => []);
}

/** Resolves with the time `promise` took to settle, or undefined when it did not settle within `ms`. */
export async function settleTime(
  promise: Promise<unknown>,
  ms: number,
): Promise<number | undefined> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return settled ? Date.now() - started : undefined;
}

/** The servers a client talks to: the one Redis, or every master of a cluster. */
export function serversOf(client: StreamClient): Redis[] {
  const redis = client.redis;
  if (client.connection.cluster) return (redis as Cluster).nodes('master');
  return [redis as Redis];
}

/** CLIENT KILL of every connection whose name starts with `prefix`, on every server. Returns how many. */
export async function killConnectionsNamed(client: StreamClient, prefix: string): Promise<number> {
  let killed = 0;
  for (const server of serversOf(client)) {
    const list = String(await server.client('LIST'));
    for (const line of list.split('\n')) {
      const name = /\bname=(\S*)/.exec(line)?.[1] ?? '';
      const id = /\bid=(\d+)/.exec(line)?.[1];
      if (id && name.startsWith(prefix)) {
        await server.client('KILL', 'ID', id).catch(() => {});
        killed++;
      }
    }
  }
  return killed;
}

/** A promise the test resolves to let held handlers finish. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}
