import { performance } from 'node:perf_hooks';
/**
 * Typed instrumentation events, namespaced like KafkaJS (`consumer.rebalance`). Payloads are
 * built only when someone listens (`has`), and `on` returns the function that unsubscribes.
 */
export interface ConsumerEvents {
  'consumer.started': { topic: string; group: string; consumer: string; ordering: 'none' | 'key' };
  'consumer.stopped': { topic: string; group: string; consumer: string };
  'consumer.handled': {
    eventId: string;
    entryId: string;
    partition: number;
    durationMs: number;
    attempt: number;
  };
  'consumer.failed': {
    eventId?: string;
    entryId: string;
    partition: number;
    attempt: number;
    error: Error;
    willRetry: boolean;
  };
  'consumer.retry.scheduled': {
    eventId?: string;
    entryId: string;
    partition: number;
    attempt: number;
    delayMs: number;
  };
  'consumer.dead-lettered': {
    eventId?: string;
    entryId: string;
    partition: number;
    reason: string;
    attempts: number;
  };
  'consumer.duplicate': {
    eventId: string;
    entryId: string;
    partition: number;
    type: string;
    key: string | null;
    headers: Record<string, string>;
  };
  /** Settled without running the handler: deleted or trimmed while pending, or settled elsewhere. */
  'consumer.skipped': { entryId: string; partition: number; reason: 'deleted' | 'not-pending' };
  /**
   * Handlers are running but none completed for `progressTimeoutMs`: the replica gives its
   * work up (ordering key: leaves the group and releases its partitions; ordering none: stops
   * reading and lets others claim its entries) until they complete.
   */
  'consumer.stalled': { runningHandlers: number; sinceMs: number };
  'consumer.claimed': { partition: number; count: number };
  /** Reading stopped (`partitions` 'all', or the partitions paused one by one now). */
  'consumer.paused': { partitions: number[] | 'all' };
  'consumer.resumed': { partitions: number[] | 'all' };
  /** A read of new entries that returned some: the partition of each, and how long it took. */
  'consumer.read': { partitions: number[]; count: number; durationMs: number };
  'consumer.group.recreated': { stream: string; from: string };
  'consumer.connection.error': { error: Error };
  'consumer.rebalance': { members: string[]; assigned: number[]; durationMs?: number };
  'consumer.partition.assigned': { partition: number; epoch: number };
  'consumer.partition.revoked': { partition: number; epoch: number };
  'consumer.partition.lost': { partition: number; epoch: number; reason: string };
  'consumer.key.blocked': { partition: number; key: string; entryId: string; attempts: number };
}

export type ConsumerEventName = keyof ConsumerEvents;
export type Listener<E extends ConsumerEventName> = (payload: ConsumerEvents[E]) => void;

export class Instrumentation {
  private readonly listeners = new Map<ConsumerEventName, Set<(payload: never) => void>>();

  on<E extends ConsumerEventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  has(event: ConsumerEventName): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  /** Calls listeners with the payload `build` makes, only when there are listeners. A throwing listener is isolated. */
  emit<E extends ConsumerEventName>(event: E, build: () => ConsumerEvents[E]): void {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return;
    const payload = build();
    for (const listener of set) {
      try {
        (listener as Listener<E>)(payload);
      } catch {
        // Instrumentation must never break processing.
      }
    }
  }
}

/** The `consumer.read` payload of a read that returned `entries`, begun at `started` (performance.now()). */
export function readReport(
  entries: ReadonlyArray<{ partition: number }>,
  started: number,
): ConsumerEvents['consumer.read'] {
  return {
    partitions: entries.map((entry) => entry.partition),
    count: entries.length,
    durationMs: performance.now() - started,
  };
}
