import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { RedisClient } from '../connection/redis-connection.js';
import type { RedisKeys } from '../keys.js';
import { Effects } from './effects.js';

export interface HandlerContext {
  topic: string;
  group: string;
  consumer: string;
  partition: number;
  entryId: string;
  /** 1 for the first delivery, 2 for the first retry, ... */
  attempt: number;
  /**
   * ordering key: the epoch of this replica's lease on the partition, a fencing token that
   * only grows. Pass it to external systems so they can refuse writes from a stale owner.
   */
  fencingToken?: number;
  /** Writes applied atomically with the ack, once per event. */
  effects: Effects;
  /** A key in this partition's hash slot for handler state that changes with the ack. */
  stateKey(name: string): string;
  /** The command connection, for reads (writes that must happen once belong in `effects`). */
  redis: RedisClient;
  /**
   * Aborted when this run passes `handlerTimeoutMs`, when this replica stops owning the
   * partition (ordering key), or when it shuts down past its drain timeout. Pass it on to
   * fetch and database calls so abandoned work stops.
   */
  signal: AbortSignal;
  /** A child logger carrying the event id, type and trace id. */
  log: Logger;
}

/** What every event of one subscription shares: built once, referenced by each context. */
export interface HandlerContextScope {
  topic: string;
  group: string;
  consumer: string;
  keys: RedisKeys;
  redis: RedisClient;
  logger: Logger;
}

/** What the per-event child logger carries. */
export interface LoggedEvent {
  id: string;
  type: string;
  headers: Readonly<Record<string, string>>;
}

/**
 * One per delivered event, on the hot path: a handful of fields, with the effects list and the
 * child logger created only when the handler touches them (most handlers use neither). The
 * subscription-wide values live in one shared scope object instead of being copied per event.
 */
class EventHandlerContext implements HandlerContext {
  readonly fencingToken?: number;
  private lazyEffects: Effects | undefined;
  private lazyLog: Logger | undefined;
  /** This run's own signal, made only when the handler reads `signal` (most never do). */
  private runAbort: AbortController | undefined;
  private unlinkParent: (() => void) | undefined;
  private abortReason: unknown;

  constructor(
    private readonly scope: HandlerContextScope,
    private readonly event: LoggedEvent,
    readonly partition: number,
    readonly entryId: string,
    readonly attempt: number,
    private readonly parentSignal: AbortSignal,
    fencingToken: number | undefined,
  ) {
    if (fencingToken !== undefined) this.fencingToken = fencingToken;
  }

  get signal(): AbortSignal {
    if (!this.runAbort) {
      const controller = new AbortController();
      this.runAbort = controller;
      if (this.abortReason !== undefined) controller.abort(this.abortReason);
      else if (this.parentSignal.aborted) controller.abort(this.parentSignal.reason);
      else {
        // The parent signal lives as long as the partition or subscription: the listener is
        // removed when the run ends, or thousands of finished runs would stay attached to it.
        const onAbort = () => controller.abort(this.parentSignal.reason);
        allowManyListeners(this.parentSignal);
        this.parentSignal.addEventListener('abort', onAbort, { once: true });
        this.unlinkParent = () => this.parentSignal.removeEventListener('abort', onAbort);
      }
    }
    return this.runAbort.signal;
  }

  /** Aborts this run only (its deadline passed); the partition's other runs go on. */
  abortRun(reason: unknown): void {
    this.abortReason = reason;
    this.runAbort?.abort(reason);
  }

  /** The run is over: detach from the long-lived parent signal. */
  release(): void {
    this.unlinkParent?.();
    this.unlinkParent = undefined;
  }

  get topic(): string {
    return this.scope.topic;
  }

  get group(): string {
    return this.scope.group;
  }

  get consumer(): string {
    return this.scope.consumer;
  }

  get redis(): RedisClient {
    return this.scope.redis;
  }

  get effects(): Effects {
    this.lazyEffects ??= new Effects(
      this.scope.keys.partitionHashTag(this.scope.topic, this.partition),
    );
    return this.lazyEffects;
  }

  /** True when the handler queued writes for the effectively-once step. */
  get hasEffects(): boolean {
    return (this.lazyEffects?.size ?? 0) > 0;
  }

  get log(): Logger {
    this.lazyLog ??= this.scope.logger.child({
      eventId: this.event.id,
      type: this.event.type,
      entryId: this.entryId,
      partition: this.partition,
      ...traceFields(this.event),
    });
    return this.lazyLog;
  }

  stateKey(name: string): string {
    return this.scope.keys.state(this.scope.topic, this.partition, name);
  }
}

const manyListenersAllowed = new WeakSet<AbortSignal>();

/**
 * One listener per running handler that reads its signal is expected on the partition's or
 * subscription's signal (concurrency of them at once), not a leak: no warning past 10.
 */
function allowManyListeners(signal: AbortSignal): void {
  if (manyListenersAllowed.has(signal)) return;
  manyListenersAllowed.add(signal);
  setMaxListeners(0, signal);
}

/** What the entry processor sees of a context besides the handler's view. */
export interface RunContext extends HandlerContext {
  readonly hasEffects: boolean;
  abortRun(reason: unknown): void;
  release(): void;
}

export function createHandlerContext(
  scope: HandlerContextScope,
  event: LoggedEvent,
  entry: { partition: number; id: string },
  attempt: number,
  signal: AbortSignal,
  fencingToken: number | undefined,
): RunContext {
  return new EventHandlerContext(
    scope,
    event,
    entry.partition,
    entry.id,
    attempt,
    signal,
    fencingToken,
  );
}

/** The W3C trace id (second field of `traceparent`) and correlation id, for log lines about the event. */
export function traceFields(event: { headers: Readonly<Record<string, string>> }): {
  traceId?: string;
  correlationId?: string;
} {
  const traceparent = event.headers.traceparent;
  const traceId = traceparent?.split('-')[1];
  const correlationId = event.headers['correlation-id'] ?? event.headers.correlationId;
  return { ...(traceId ? { traceId } : {}), ...(correlationId ? { correlationId } : {}) };
}

/**
 * Aborts the run behind a handler context (its `signal`), for middleware that gives up on a
 * run (the timeout middleware). A context made elsewhere (a test's own object) has no run.
 */
export function abortHandlerRun(context: HandlerContext, reason: unknown): void {
  const run = context as Partial<RunContext>;
  if (typeof run.abortRun === 'function') run.abortRun(reason);
}
