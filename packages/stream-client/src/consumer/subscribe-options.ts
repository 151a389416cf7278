import { hostname } from 'node:os';
import type { DecodedEvent } from '@redstream/codec';
import { InvalidOptionError } from '../errors.js';
import { assertName } from '../names.js';
import type { HandlerContext } from './handler-context.js';
import type { Assignor } from './ordered/assignor.js';

export type EventHandler<P = unknown> = (
  event: DecodedEvent<P>,
  context: HandlerContext,
) => Promise<void> | void;

/** Where a new group starts reading. An existing group keeps its position. */
export type StartPosition = 'beginning' | 'end' | { id: string } | { timestamp: number | Date };

export interface SubscribeOptions<P = unknown> {
  topic: string;
  group: string;
  /** This replica's name in the group; default `<hostname>-<pid>`. Keep it stable across restarts for static membership. */
  consumer?: string;
  handler: EventHandler<P>;
  /** `none`: replicas share every partition, Redis hands each entry to one. `key`: each partition has one owner; one key never runs concurrently. */
  ordering?: 'none' | 'key';
  /** Checked against the topic's stored partition count. */
  partitions?: number;
  /** Entries per read. */
  batchSize?: number;
  /** How long a read blocks waiting for new entries. */
  blockMs?: number;
  /** Handlers running at once in this replica. */
  concurrency?: number;
  /**
   * Entries read but not yet settled, above which reading pauses (backpressure). Default twice
   * the batch size: enough to read ahead, small enough that one replica does not hoard entries
   * the others could be handling.
   */
  maxInFlight?: number;
  startFrom?: StartPosition;
  /** Deliveries (first + retries) before an entry is dead-lettered. */
  maxDeliveries?: number;
  /** Retry backoff: exponential from `baseMs`, capped at `maxMs`, with full jitter. */
  retryBackoff?: { baseMs?: number; maxMs?: number };
  /** `ordering: 'none'`: entries idle this long in a dead or stuck replica are claimed. */
  claimIdleMs?: number;
  claimIntervalMs?: number;
  /** Mark every settled event done (dedupe by event id per group), even without effects. */
  effectivelyOnce?: boolean;
  /** How long dedupe markers are kept. */
  dedupeWindowMs?: number;
  /**
   * ordering none: consumer names idle this long with nothing pending are deleted from the
   * group (departed replicas). A name with pending entries is never deleted. Default
   * max(4 x claimIdleMs, 60 s).
   */
  forgetConsumersAfterMs?: number;
  /** close() waits this long for running handlers. */
  drainTimeoutMs?: number;
  /** When the group vanished (DEL, FLUSHALL, restart without persistence): recreate it reading from here. */
  recreateGroupFrom?: 'beginning' | 'end';
  /** `ordering: 'key'`: a member is dead after this long without a heartbeat; also the lease TTL. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  assignor?: Assignor;
  /** `ordering: 'key'`: after maxDeliveries, dead-letter and move on, or keep the key blocked (alerting). */
  onRetriesExhausted?: 'dead-letter' | 'block-key';
  /** Max approximate length of each partition's dead-letter stream. */
  deadLetterMaxLen?: number;
}

export type ResolvedSubscribeOptions<P> = Required<
  Omit<SubscribeOptions<P>, 'partitions' | 'assignor' | 'retryBackoff'>
> & {
  partitions: number | undefined;
  assignor: Assignor | undefined;
  retryBackoff: { baseMs: number; maxMs: number };
};

export const SUBSCRIBE_DEFAULTS = {
  ordering: 'none',
  batchSize: 100,
  blockMs: 2000,
  concurrency: 16,
  startFrom: 'beginning',
  maxDeliveries: 5,
  claimIdleMs: 30_000,
  claimIntervalMs: 5000,
  effectivelyOnce: false,
  dedupeWindowMs: 60 * 60_000,
  drainTimeoutMs: 10_000,
  recreateGroupFrom: 'beginning',
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1000,
  onRetriesExhausted: 'dead-letter',
  deadLetterMaxLen: 100_000,
} as const;

export function resolveSubscribeOptions<P>(
  options: SubscribeOptions<P>,
): ResolvedSubscribeOptions<P> {
  assertName('topic', options.topic);
  assertName('group', options.group);
  const consumer = options.consumer ?? `${hostname()}-${process.pid}`;
  assertName('consumer', consumer);
  if (typeof options.handler !== 'function')
    throw new InvalidOptionError('handler', 'a function', typeof options.handler);
  const resolved = {
    ...SUBSCRIBE_DEFAULTS,
    ...stripUndefined(options),
    maxInFlight: options.maxInFlight ?? 2 * (options.batchSize ?? SUBSCRIBE_DEFAULTS.batchSize),
    forgetConsumersAfterMs:
      options.forgetConsumersAfterMs ??
      Math.max(4 * (options.claimIdleMs ?? SUBSCRIBE_DEFAULTS.claimIdleMs), 60_000),
    consumer,
    partitions: options.partitions,
    assignor: options.assignor,
    retryBackoff: {
      baseMs: options.retryBackoff?.baseMs ?? 1000,
      maxMs: options.retryBackoff?.maxMs ?? 60_000,
    },
  } as ResolvedSubscribeOptions<P>;
  if (!['none', 'key'].includes(resolved.ordering))
    throw new InvalidOptionError('ordering', "'none' or 'key'", resolved.ordering);
  positiveInteger('batchSize', resolved.batchSize);
  positiveInteger('concurrency', resolved.concurrency);
  positiveInteger('maxInFlight', resolved.maxInFlight);
  positiveInteger('maxDeliveries', resolved.maxDeliveries);
  positiveInteger('claimIdleMs', resolved.claimIdleMs);
  positiveInteger('claimIntervalMs', resolved.claimIntervalMs);
  positiveInteger('sessionTimeoutMs', resolved.sessionTimeoutMs);
  positiveInteger('heartbeatIntervalMs', resolved.heartbeatIntervalMs);
  positiveInteger('dedupeWindowMs', resolved.dedupeWindowMs);
  if (!Number.isInteger(resolved.blockMs) || resolved.blockMs < 0)
    throw new InvalidOptionError('blockMs', 'an integer >= 0', resolved.blockMs);
  if (resolved.heartbeatIntervalMs * 2 > resolved.sessionTimeoutMs) {
    throw new InvalidOptionError(
      'heartbeatIntervalMs',
      `at most half of sessionTimeoutMs (${resolved.sessionTimeoutMs})`,
      resolved.heartbeatIntervalMs,
    );
  }
  if (resolved.maxInFlight < resolved.batchSize) {
    throw new InvalidOptionError(
      'maxInFlight',
      `at least batchSize (${resolved.batchSize})`,
      resolved.maxInFlight,
    );
  }
  if (!['dead-letter', 'block-key'].includes(resolved.onRetriesExhausted)) {
    throw new InvalidOptionError(
      'onRetriesExhausted',
      "'dead-letter' or 'block-key'",
      resolved.onRetriesExhausted,
    );
  }
  startPositionId(resolved.startFrom);
  return resolved;
}

/** The id XGROUP CREATE takes for a start position: entries after it are delivered. */
export function startPositionId(start: StartPosition): string {
  if (start === 'beginning') return '0';
  if (start === 'end') return '$';
  if (typeof start === 'object' && 'id' in start) {
    if (!/^\d+(-\d+)?$/.test(start.id))
      throw new InvalidOptionError('startFrom.id', 'a stream id like 1700000000000-0', start.id);
    return start.id;
  }
  if (typeof start === 'object' && 'timestamp' in start) {
    const ms = start.timestamp instanceof Date ? start.timestamp.getTime() : start.timestamp;
    if (!Number.isFinite(ms) || ms < 0)
      throw new InvalidOptionError(
        'startFrom.timestamp',
        'a time in ms or a Date',
        start.timestamp,
      );
    // Last-delivered just before `ms`, so the first entry appended at or after `ms` is delivered.
    return ms === 0 ? '0' : `${Math.floor(ms) - 1}-18446744073709551615`;
  }
  throw new InvalidOptionError('startFrom', "'beginning', 'end', { id } or { timestamp }", start);
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidOptionError(name, 'a positive integer', value);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
