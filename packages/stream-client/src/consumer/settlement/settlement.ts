import type { ScriptStatus } from '../../scripts/script-status.js';
import type { Effects } from '../effects.js';
import type { StreamEntry } from '../stream-entry.js';

export type DeadLetterReason =
  | 'decode-failed'
  | 'schema-violation'
  | 'non-retriable'
  | 'max-deliveries'
  | 'effects-failed'
  | 'timeout'
  | 'no-handler';

export type SettledStatus =
  | typeof ScriptStatus.APPLIED
  | typeof ScriptStatus.DUPLICATE
  | typeof ScriptStatus.NOT_PENDING;

/**
 * How a consumption mode settles entries: plain (ordering none) or fenced by the partition
 * lease (ordering key). Both honour the same contract (settlement.contract.test.ts):
 * - a refusal is a typed error: `FencedError` (the lease is gone, nothing done),
 *   `EffectsFailedError` (an effect would fail, nothing done);
 * - a Redis reply error is thrown as is, for the caller to count as a handler failure;
 * - a connection error is thrown as is, for the caller to retry the settlement (not the handler).
 */
export interface Settlement {
  /**
   * Acks after success. May return nothing: ordering none sends acks in batches without
   * waiting (a failed batch leaves its entries pending, to be read again), while ordering key
   * must wait to learn whether the lease still held.
   */
  ack(entry: StreamEntry): Promise<void> | undefined;
  /** The effectively-once step: the effects, the dedupe marker and the ack, all or nothing. */
  ackAndMark(entry: StreamEntry, eventId: string, effects: Effects): Promise<SettledStatus>;
  /**
   * Moves the entry to the dead-letter stream and acks it, in one step. False when the entry
   * was no longer pending (settled elsewhere): nothing was written.
   */
  deadLetter(
    entry: StreamEntry,
    reason: DeadLetterReason,
    error: Error,
    attempts: number,
  ): Promise<boolean>;
  /** Ordering none: a delayed redelivery through the retry stream, then the ack of this one. */
  scheduleRetry?(entry: StreamEntry, nextAttempt: number, delayMs: number): Promise<void>;
  /** Sends what is batched and waits for it (the caller bounds the wait). */
  drain(): Promise<void>;
}

/** Reply errors that heal by themselves (a failover, a restart, memory freed): retry them. */
const TRANSIENT_REPLY =
  /^(LOADING|CLUSTERDOWN|TRYAGAIN|READONLY|MASTERDOWN|BUSY|OOM|NOSCRIPT|MOVED|ASK)\b/;

/**
 * True when Redis answered a settlement with an error that sending it again will not change
 * (WRONGTYPE, NOPERM, CROSSSLOT, a script error): a handler failure, retried through the
 * handler and then dead-lettered, never mistaken for a connection problem.
 */
export function isSettlementRefusal(error: unknown): boolean {
  return (
    error instanceof Error && error.name === 'ReplyError' && !TRANSIENT_REPLY.test(error.message)
  );
}
