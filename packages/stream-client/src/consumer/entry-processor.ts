import { performance } from 'node:perf_hooks';
import { type Codec, CodecError, type DecodedEvent } from '@redstream/codec';
import type { Logger } from 'pino';
import { backoffDelay } from '../connection/backoff.js';
import type { RedisClient } from '../connection/redis-connection.js';
import { FencedError, NonRetriableError } from '../errors.js';
import type { RedisKeys } from '../keys.js';
import { ScriptStatus } from '../scripts/script-status.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import {
  createHandlerContext,
  type Effects,
  type HandlerContext,
  type HandlerContextScope,
  traceFields,
} from './handler-context.js';
import type { Instrumentation } from './instrumentation.js';
import { MetadataField, splitMetadata } from './metadata-fields.js';
import type { StreamEntry } from './stream-entry.js';
import type { ResolvedSubscribeOptions } from './subscribe-options.js';

export type DeadLetterReason =
  | 'decode-failed'
  | 'schema-violation'
  | 'non-retriable'
  | 'max-deliveries';

/** How a mode settles entries: plain (ordering none) or fenced by the partition lease (ordering key). */
export interface Settlement {
  /**
   * Acks after success. May return nothing: ordering none sends acks in batches without
   * waiting (a failed batch leaves its entries pending, to be read again), while ordering key
   * must wait to learn whether the lease still held.
   */
  ack(entry: StreamEntry): Promise<void> | undefined;
  /** The effectively-once step; returns a ScriptStatus code. */
  ackAndMark(entry: StreamEntry, eventId: string, effects: Effects): Promise<number>;
  deadLetter(
    entry: StreamEntry,
    reason: DeadLetterReason,
    error: Error,
    attempts: number,
  ): Promise<void>;
  /** Ordering none: schedule a delayed redelivery, then ack the original. */
  scheduleRetry?(entry: StreamEntry, nextAttempt: number, delayMs: number): Promise<void>;
}

export type ProcessOutcome =
  | { kind: 'handled'; event: DecodedEvent }
  | { kind: 'duplicate'; event: DecodedEvent }
  | { kind: 'skipped' }
  | { kind: 'dead-lettered'; reason: DeadLetterReason }
  | { kind: 'retry-scheduled' }
  | { kind: 'retry-in-place'; delayMs: number; blocked: boolean }
  | { kind: 'fenced' };

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
  /** ordering key: the lease epoch held on a partition. */
  fencingToken?: (partition: number) => number | undefined;
}

/**
 * Runs one entry through decode, the handler and settlement: ack (or the effectively-once
 * step) on success; on failure a retry (scheduled or in place) or the dead-letter stream.
 * Shared by both consumption modes, which differ only in their Settlement and retry mode.
 */
export class EntryProcessor {
  private readonly scope: HandlerContextScope;

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
  }

  /**
   * `decoded`: the event when the caller already decoded it. Not an async function on purpose:
   * the common path (synchronous handler, batched ack) then allocates no async frame, which
   * for a hot consumer is a large share of what it allocates per entry.
   */
  process(
    entry: StreamEntry,
    signal: AbortSignal,
    inPlaceRetries = 0,
    decoded?: DecodedEvent,
  ): Promise<ProcessOutcome> {
    const { options } = this.deps;
    if (entry.fields === null) {
      // Deleted or trimmed while pending: nothing to handle; ack so the pending list shrinks.
      return this.ackSkipped(entry);
    }
    const { envelope, metadata } = splitMetadata(entry.fields);
    const targetGroup = metadata.get(MetadataField.targetGroup);
    if (targetGroup !== undefined && targetGroup !== options.group) {
      // Redriven or replayed for another group: not ours to handle.
      return this.ackSkipped(entry);
    }
    const firstAttempt = entry.fromRetry
      ? Number(metadata.get(MetadataField.retryAttempt) ?? 1) || 1
      : 1;
    const attempt = firstAttempt + Math.max(0, entry.deliveryCount - 1) + inPlaceRetries;

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

    // An entry redelivered more often than allowed (a handler that crashes the process, say)
    // is dead-lettered without running the handler again.
    if (attempt > options.maxDeliveries) {
      return this.deadLetter(
        entry,
        'max-deliveries',
        new Error(`delivered ${attempt} times, maxDeliveries is ${options.maxDeliveries}`),
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
      this.deps.fencingToken?.(entry.partition),
    );
    const started = performance.now();
    let result: unknown;
    try {
      result = options.handler(event, context);
    } catch (caught) {
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
      );
    }
    return this.settle(entry, event, context, attempt, performance.now() - started);
  }

  private async afterAsyncHandler(
    result: Promise<void>,
    entry: StreamEntry,
    event: DecodedEvent,
    context: HandlerContext & { readonly hasEffects: boolean },
    attempt: number,
    started: number,
  ): Promise<ProcessOutcome> {
    try {
      await result;
    } catch (caught) {
      return this.handleFailure(entry, event, toError(caught), attempt);
    }
    return this.settle(entry, event, context, attempt, performance.now() - started);
  }

  /** After the handler succeeded: the ack (or the effectively-once step), then count it. */
  private settle(
    entry: StreamEntry,
    event: DecodedEvent,
    context: HandlerContext & { readonly hasEffects: boolean },
    attempt: number,
    durationMs: number,
  ): Promise<ProcessOutcome> {
    if (context.hasEffects || this.deps.options.effectivelyOnce) {
      return this.ackAndMark(entry, event, context.effects, attempt, durationMs);
    }
    // Ordering none acks in batches without waiting: no promise to wait for per entry.
    const acked = this.deps.settlement.ack(entry);
    if (!acked) return Promise.resolve(this.handled(entry, event, attempt, durationMs));
    return afterAck(acked, () => this.handled(entry, event, attempt, durationMs));
  }

  private async ackAndMark(
    entry: StreamEntry,
    event: DecodedEvent,
    effects: Effects,
    attempt: number,
    durationMs: number,
  ): Promise<ProcessOutcome> {
    const status = await this.deps.settlement.ackAndMark(entry, event.id, effects);
    if (status === ScriptStatus.FENCED) return FENCED;
    if (status === ScriptStatus.NOT_PENDING) return SKIPPED;
    if (status === ScriptStatus.DUPLICATE) {
      this.deps.metrics.recordDuplicate();
      this.emitDuplicate(entry, event);
      return { kind: 'duplicate', event };
    }
    return this.handled(entry, event, attempt, durationMs);
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

  /** Acks an entry there is nothing to handle for; fenced when the partition's lease was lost. */
  private ackSkipped(entry: StreamEntry): Promise<ProcessOutcome> {
    const acked = this.deps.settlement.ack(entry);
    return acked ? afterAck(acked, () => SKIPPED) : Promise.resolve(SKIPPED);
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
    const willRetry =
      retriable &&
      (!exhausted || (retryMode === 'in-place' && options.onRetriesExhausted === 'block-key'));
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
    if (!retriable) return this.deadLetter(entry, 'non-retriable', error, attempt, event);
    if (exhausted && !willRetry)
      return this.deadLetter(entry, 'max-deliveries', error, attempt, event);

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
    try {
      await this.deps.settlement.deadLetter(entry, reason, error, attempts);
    } catch (caught) {
      if (caught instanceof FencedError) return FENCED;
      throw caught;
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

function toError(value: unknown): Error {
  return value instanceof Error
    ? value
    : new Error(typeof value === 'string' ? value : JSON.stringify(value));
}

/** The outcome once an ack is done; fenced when it was refused because the lease was lost. */
function afterAck(acked: Promise<void>, outcome: () => ProcessOutcome): Promise<ProcessOutcome> {
  return acked.then(outcome, (error: unknown) => {
    if (error instanceof FencedError) return FENCED;
    throw error;
  });
}
