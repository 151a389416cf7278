import { performance } from 'node:perf_hooks';
import { type Codec, CodecError, type DecodedEvent } from '@redstream/codec';
import type { Logger } from 'pino';
import { backoffDelay, reconnectDelay } from '../connection/backoff.js';
import type { RedisClient } from '../connection/redis-connection.js';
import {
  EffectsFailedError,
  FencedError,
  HandlerTimeoutError,
  InvalidEffectError,
  NonRetriableError,
  UnroutableEventError,
} from '../errors.js';
import type { RedisKeys } from '../keys.js';
import { ScriptStatus } from '../scripts/script-status.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import type { Effects } from './effects.js';
import {
  createHandlerContext,
  type HandlerContextScope,
  type RunContext,
  traceFields,
} from './handler-context.js';
import type { Instrumentation } from './instrumentation.js';
import { MetadataField, splitMetadata } from './metadata-fields.js';
import {
  type DeadLetterReason,
  isSettlementRefusal,
  type Settlement,
} from './settlement/settlement.js';
import type { StreamEntry } from './stream-entry.js';
import type { ResolvedSubscribeOptions } from './subscribe-options.js';

export type { DeadLetterReason } from './settlement/settlement.js';

export type ProcessOutcome = (
  | { kind: 'handled'; event: DecodedEvent }
  | { kind: 'duplicate'; event: DecodedEvent }
  | { kind: 'skipped' }
  | { kind: 'dead-lettered'; reason: DeadLetterReason }
  | { kind: 'retry-scheduled' }
  | { kind: 'retry-in-place'; delayMs: number; blocked: boolean }
  | { kind: 'fenced' }
) & {
  /**
   * The handler passed handlerTimeoutMs and goes on (it ignores its signal): settles when it
   * ends. Ordering key waits for it before the key runs again.
   */
  stillRunning?: Promise<unknown>;
  /**
   * How long more the run may go on before its key stops waiting for it: as long again as
   * the timeout that gave up on it (handlerTimeoutMs or a timeout middleware), at least 2 s.
   */
  abandonGraceMs?: number;
};

const FENCED: ProcessOutcome = Object.freeze({ kind: 'fenced' });
const SKIPPED: ProcessOutcome = Object.freeze({ kind: 'skipped' });

export interface EntryProcessorDeps {
  options: ResolvedSubscribeOptions<unknown>;
  codec: Codec;
  keys: RedisKeys;
  redis: RedisClient;
  logger: Logger;
  instrumentation: Instrumentation;
  metrics: ConsumerMetrics;
  settlement: Settlement;
  /** 'schedule' (ordering none) re-delivers later through BullMQ; 'in-place' (ordering key) lets the key wait. */
  retryMode: 'schedule' | 'in-place';
  /**
   * ordering key: while this says yes, a settlement that failed on the connection is sent
   * again (the handler is not re-run: its work is done, only the ack is missing). Ordering
   * none leaves the entry pending instead, for its pending pass or a claim.
   */
  keepSettling?: (entry: StreamEntry) => boolean;
}

/**
 * Runs one entry through decode, the handler and settlement: ack (or the effectively-once
 * step) on success; on failure a retry (scheduled or in place) or the dead-letter stream.
 * Shared by both consumption modes, which differ in their Settlement, how they count
 * attempts and their retry mode.
 */
export class EntryProcessor {
  private readonly scope: HandlerContextScope;
  private readonly blockKey: boolean;
  /** Handlers running now, and how many ever completed: the progress watchdog's inputs. */
  private running = 0;
  private completions = 0;
  private progressSeen = { completions: 0, at: performance.now() };

  constructor(private readonly deps: EntryProcessorDeps) {
    const { options, keys, redis, logger } = deps;
    this.scope = {
      topic: options.topic,
      group: options.group,
      consumer: options.consumer,
      keys,
      redis,
      logger,
    };
    this.blockKey = deps.retryMode === 'in-place' && options.onRetriesExhausted === 'block-key';
  }

  /** Handlers that started and have neither settled nor timed out. */
  get runningHandlers(): number {
    return this.running;
  }

  /**
   * How long handlers have been running without any of them completing (0 while none runs).
   * Sampled by the modes' timers, so the hot path only counts.
   */
  stuckForMs(now = performance.now()): number {
    if (this.running === 0 || this.completions !== this.progressSeen.completions) {
      this.progressSeen = { completions: this.completions, at: now };
      return 0;
    }
    return now - this.progressSeen.at;
  }

  /**
   * The progress watchdog, for the modes' timers: true when handlers run and none completed
   * for longer than progressTimeoutMs, reported (an error log with `consequence`, the
   * `consumer.stalled` event) as it is found.
   */
  stallFound(consequence: string): boolean {
    const { progressTimeoutMs } = this.deps.options;
    const stuckForMs = this.stuckForMs();
    if (progressTimeoutMs <= 0 || stuckForMs <= progressTimeoutMs) return false;
    const runningHandlers = this.running;
    this.deps.logger.error(
      { runningHandlers, stuckForMs, progressTimeoutMs },
      `no handler completed within progressTimeoutMs; ${consequence}`,
    );
    this.deps.instrumentation.emit('consumer.stalled', () => ({
      runningHandlers,
      sinceMs: stuckForMs,
    }));
    return true;
  }

  /**
   * `attempt`: which run of the handler this is (1 for the first). `decoded`: the event when
   * the caller already decoded it. `onAcking`: called just before a plain ack is queued, so
   * the caller can queue what should go out with it (ordering key counts the key's next run). Not an async function on purpose: the common path
   * (synchronous handler, batched ack) then allocates no async frame, which for a hot
   * consumer is a large share of what it allocates per entry.
   */
  process(
    entry: StreamEntry,
    signal: AbortSignal,
    attempt: number,
    decoded?: DecodedEvent,
    onAcking?: () => void,
  ): Promise<ProcessOutcome> {
    const { options } = this.deps;
    if (entry.fields === null) {
      // Deleted or trimmed while pending: nothing to handle; ack so the pending list shrinks.
      this.reportSkipped(entry, 'deleted');
      return this.ackSkipped(entry);
    }
    const { envelope, metadata } = splitMetadata(entry.fields);
    const targetGroup = metadata.get(MetadataField.targetGroup);
    if (targetGroup !== undefined && targetGroup !== options.group) {
      // Redriven or replayed for another group: not ours to handle.
      return this.ackSkipped(entry);
    }

    let event: DecodedEvent;
    try {
      event = decoded ?? this.deps.codec.decode(envelope);
    } catch (error) {
      const reason: DeadLetterReason =
        error instanceof CodecError && error.code === 'CODEC_SCHEMA_VIOLATION'
          ? 'schema-violation'
          : 'decode-failed';
      return this.deadLetter(entry, reason, toError(error), attempt);
    }

    // An entry run more often than allowed without settling (a handler that crashes the
    // process, say) is dead-lettered without running the handler again; a blocked key keeps
    // its entry instead (it is retried at the maximum backoff).
    if (attempt > options.maxDeliveries && !this.blockKey) {
      return this.deadLetter(
        entry,
        'max-deliveries',
        new Error(`run ${attempt} times, maxDeliveries is ${options.maxDeliveries}`),
        attempt - 1,
        event,
      );
    }

    const context = createHandlerContext(
      this.scope,
      event,
      entry,
      attempt,
      signal,
      entry.lease?.epoch,
    );
    const started = performance.now();
    let result: unknown;
    this.running++;
    try {
      result = options.handler(event, context);
    } catch (caught) {
      this.runEnded();
      context.release();
      return this.handleFailure(entry, event, toError(caught), attempt);
    }
    if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
      return this.afterAsyncHandler(
        result as Promise<void>,
        entry,
        event,
        context,
        attempt,
        started,
        onAcking,
      );
    }
    this.runEnded();
    context.release();
    return this.settle(entry, event, context, attempt, performance.now() - started, onAcking);
  }

  private runEnded(): void {
    this.running--;
    this.completions++;
  }

  private async afterAsyncHandler(
    result: Promise<void>,
    entry: StreamEntry,
    event: DecodedEvent,
    context: RunContext,
    attempt: number,
    started: number,
    onAcking: (() => void) | undefined,
  ): Promise<ProcessOutcome> {
    const timeoutMs = this.deps.options.handlerTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      if (timeoutMs > 0) {
        await new Promise<void>((resolve, reject) => {
          timer = setTimeout(() => {
            // The handler may go on running (JavaScript cannot stop it): its signal says to
            // stop, its result is ignored and its effects are never applied.
            const error = new HandlerTimeoutError(timeoutMs);
            context.abortRun(error);
            reject(error);
          }, timeoutMs);
          result.then(resolve, reject);
        });
      } else {
        await result;
      }
    } catch (caught) {
      const error = toError(caught);
      const outcome = this.handleFailure(entry, event, error, attempt);
      if (!(error instanceof HandlerTimeoutError)) return outcome;
      // A timeout middleware hands over the run it gave up on; the processor's own timer
      // gave up on `result` itself.
      const stillRunning = error.stillRunning ?? result;
      const abandonGraceMs = Math.max(2000, error.timeoutMs);
      return outcome.then((settled) => ({ ...settled, stillRunning, abandonGraceMs }));
    } finally {
      clearTimeout(timer);
      this.runEnded();
      context.release();
    }
    return this.settle(entry, event, context, attempt, performance.now() - started, onAcking);
  }

  /** After the handler succeeded: the ack (or the effectively-once step), then count it. */
  private settle(
    entry: StreamEntry,
    event: DecodedEvent,
    context: RunContext,
    attempt: number,
    durationMs: number,
    onAcking?: () => void,
  ): Promise<ProcessOutcome> {
    if (context.hasEffects || this.deps.options.effectivelyOnce) {
      return this.ackAndMark(entry, event, context.effects, attempt, durationMs);
    }
    onAcking?.();
    // Ordering none acks in batches without waiting: no promise to wait for per entry.
    const acked = this.deps.settlement.ack(entry);
    if (!acked) return Promise.resolve(this.handled(entry, event, attempt, durationMs));
    return acked.then(
      () => this.handled(entry, event, attempt, durationMs),
      (error: unknown) => {
        if (this.shouldResend(error, entry))
          return this.resendAck(entry).then(
            () => this.handled(entry, event, attempt, durationMs),
            (again: unknown) => this.afterSettleError(again, entry, event, attempt),
          );
        return this.afterSettleError(error, entry, event, attempt);
      },
    );
  }

  /** An ack that failed on the connection, sent again (after a backoff) while the mode wants it. */
  private resendAck(entry: StreamEntry): Promise<void> {
    return this.persist(entry, () => this.deps.settlement.ack(entry) ?? Promise.resolve());
  }

  private async ackAndMark(
    entry: StreamEntry,
    event: DecodedEvent,
    effects: Effects,
    attempt: number,
    durationMs: number,
  ): Promise<ProcessOutcome> {
    let status: number;
    let tries = 0;
    try {
      status = await this.persist(entry, () => {
        tries++;
        return this.deps.settlement.ackAndMark(entry, event.id, effects);
      });
    } catch (error) {
      return this.afterSettleError(error, entry, event, attempt);
    }
    // Sent again after a lost reply: a duplicate then means our own first try went through.
    if (status === ScriptStatus.DUPLICATE && tries > 1)
      return this.handled(entry, event, attempt, durationMs);
    if (status === ScriptStatus.NOT_PENDING) {
      this.reportSkipped(entry, 'not-pending');
      return SKIPPED;
    }
    if (status === ScriptStatus.DUPLICATE) {
      this.deps.metrics.recordDuplicate();
      this.emitDuplicate(entry, event);
      return { kind: 'duplicate', event };
    }
    return this.handled(entry, event, attempt, durationMs);
  }

  /**
   * A settlement that did not go through: fenced (the lease is gone), refused by Redis (a
   * handler failure: the effects or the ack can never apply as they are), or the connection
   * (thrown: the entry stays pending for the mode to pick up again).
   */
  private afterSettleError(
    error: unknown,
    entry: StreamEntry,
    event: DecodedEvent,
    attempt: number,
  ): Promise<ProcessOutcome> {
    if (error instanceof FencedError) return Promise.resolve(FENCED);
    if (error instanceof EffectsFailedError)
      return this.handleFailure(entry, event, error, attempt);
    if (isSettlementRefusal(error))
      return this.handleFailure(
        entry,
        event,
        new EffectsFailedError(
          `Redis refused the settlement: ${(error as Error).message}`,
          undefined,
          error,
        ),
        attempt,
      );
    return Promise.reject(error);
  }

  /** A settlement that failed on the connection, while the mode wants it settled. */
  private shouldResend(error: unknown, entry: StreamEntry): boolean {
    const refused =
      error instanceof FencedError ||
      error instanceof EffectsFailedError ||
      isSettlementRefusal(error);
    return !refused && this.deps.keepSettling?.(entry) === true;
  }

  /** Runs a settlement step, again after a backoff while it fails on the connection and the mode wants it settled. */
  private async persist<T>(entry: StreamEntry, step: () => Promise<T>): Promise<T> {
    for (let failures = 1; ; failures++) {
      try {
        return await step();
      } catch (error) {
        if (!this.shouldResend(error, entry)) throw error;
        if (failures === 1)
          this.deps.logger.warn(
            { err: error, entryId: entry.id, partition: entry.partition },
            'could not settle entry; sending the settlement again',
          );
        await new Promise((resolve) => setTimeout(resolve, reconnectDelay(failures)));
      }
    }
  }

  private handled(
    entry: StreamEntry,
    event: DecodedEvent,
    attempt: number,
    durationMs: number,
  ): ProcessOutcome {
    this.deps.metrics.recordHandled(durationMs);
    const { instrumentation } = this.deps;
    if (instrumentation.has('consumer.handled')) {
      instrumentation.emit('consumer.handled', () => ({
        eventId: event.id,
        entryId: entry.id,
        partition: entry.partition,
        durationMs,
        attempt,
      }));
    }
    return { kind: 'handled', event };
  }

  private emitDuplicate(entry: StreamEntry, event: DecodedEvent): void {
    this.deps.instrumentation.emit('consumer.duplicate', () => ({
      eventId: event.id,
      entryId: entry.id,
      partition: entry.partition,
      type: event.type,
      key: event.key,
      headers: event.headers,
    }));
  }

  /**
   * An entry settled without its handler: deleted or trimmed while pending (also when a claim
   * finds it gone and Redis drops it from the pending list), or settled elsewhere.
   */
  reportSkipped(entry: { id: string; partition: number }, reason: 'deleted' | 'not-pending'): void {
    this.deps.metrics.recordSkipped(reason);
    this.deps.instrumentation.emit('consumer.skipped', () => ({
      entryId: entry.id,
      partition: entry.partition,
      reason,
    }));
    this.deps.logger.warn(
      { entryId: entry.id, partition: entry.partition, reason },
      reason === 'deleted'
        ? 'pending entry was deleted or trimmed before it was handled; acked without a handler'
        : 'entry was settled elsewhere meanwhile; nothing applied here',
    );
  }

  /** Acks an entry there is nothing to handle for; fenced when the partition's lease was lost. */
  private ackSkipped(entry: StreamEntry): Promise<ProcessOutcome> {
    const acked = this.deps.settlement.ack(entry);
    if (!acked) return Promise.resolve(SKIPPED);
    const skipped = () => SKIPPED;
    const refused = (error: unknown) => {
      if (error instanceof FencedError) return FENCED;
      throw error;
    };
    return acked.then(skipped, (error: unknown) =>
      this.shouldResend(error, entry)
        ? this.resendAck(entry).then(skipped, refused)
        : refused(error),
    );
  }

  private async handleFailure(
    entry: StreamEntry,
    event: DecodedEvent,
    error: Error,
    attempt: number,
  ): Promise<ProcessOutcome> {
    const { options, metrics, instrumentation, settlement, retryMode } = this.deps;
    metrics.recordFailed();
    const retriable =
      !(error instanceof NonRetriableError) &&
      (error as { retriable?: unknown }).retriable !== false;
    const exhausted = attempt >= options.maxDeliveries;
    const willRetry = retriable && (!exhausted || this.blockKey);
    instrumentation.emit('consumer.failed', () => ({
      eventId: event.id,
      entryId: entry.id,
      partition: entry.partition,
      attempt,
      error,
      willRetry,
    }));
    this.deps.logger.warn(
      {
        err: error,
        eventId: event.id,
        type: event.type,
        entryId: entry.id,
        partition: entry.partition,
        attempt,
        willRetry,
        ...traceFields(event),
      },
      'handler failed',
    );
    if (!willRetry)
      return this.deadLetter(entry, failureReason(error, retriable), error, attempt, event);

    const blocked = exhausted;
    const delayMs = blocked
      ? options.retryBackoff.maxMs
      : Math.max(
          1,
          backoffDelay(attempt - 1, options.retryBackoff.baseMs, options.retryBackoff.maxMs),
        );
    metrics.recordRetried();
    if (retryMode === 'schedule' && settlement.scheduleRetry) {
      await settlement.scheduleRetry(entry, attempt + 1, delayMs);
      instrumentation.emit('consumer.retry.scheduled', () => ({
        eventId: event.id,
        entryId: entry.id,
        partition: entry.partition,
        attempt,
        delayMs,
      }));
      return { kind: 'retry-scheduled' };
    }
    return { kind: 'retry-in-place', delayMs, blocked };
  }

  private async deadLetter(
    entry: StreamEntry,
    reason: DeadLetterReason,
    error: Error,
    attempts: number,
    event?: DecodedEvent,
  ): Promise<ProcessOutcome> {
    const eventId = event?.id;
    let written: boolean;
    try {
      written = await this.persist(entry, () =>
        this.deps.settlement.deadLetter(entry, reason, error, attempts),
      );
    } catch (caught) {
      if (caught instanceof FencedError) return FENCED;
      throw caught;
    }
    if (!written) {
      this.reportSkipped(entry, 'not-pending');
      return SKIPPED;
    }
    this.deps.metrics.recordDeadLettered(reason);
    this.deps.instrumentation.emit('consumer.dead-lettered', () => ({
      eventId,
      entryId: entry.id,
      partition: entry.partition,
      reason,
      attempts,
    }));
    this.deps.logger.error(
      {
        eventId,
        type: event?.type,
        entryId: entry.id,
        partition: entry.partition,
        reason,
        attempts,
        err: error,
        ...(event ? traceFields(event) : {}),
      },
      'event dead-lettered',
    );
    return { kind: 'dead-lettered', reason };
  }
}

/** Why an event that will not be retried again goes to the dead-letter stream. */
function failureReason(error: Error, retriable: boolean): DeadLetterReason {
  if (error instanceof EffectsFailedError || error instanceof InvalidEffectError)
    return 'effects-failed';
  if (error instanceof UnroutableEventError) return 'no-handler';
  if (!retriable) return 'non-retriable';
  if (error instanceof HandlerTimeoutError) return 'timeout';
  return 'max-deliveries';
}

function toError(value: unknown): Error {
  return value instanceof Error
    ? value
    : new Error(typeof value === 'string' ? value : JSON.stringify(value));
}
