import { hostname } from 'node:os';
import type { DecodedEvent } from '@redstream/codec';
import { InvalidOptionError } from '../errors.js';
import { assertName } from '../names.js';
import { BatchCollector, type BatchHandler, type BatchOptions } from './batch-collector.js';
import type { HandlerContext } from './handler-context.js';
import { type HandlerMap, routeByType } from './handler-routing.js';
import { applyMiddleware, type Middleware } from './middleware.js';
import type { Assignor } from './ordered/assignor.js';

export type EventHandler<P = unknown> = (
  event: DecodedEvent<P>,
  context: HandlerContext,
) => Promise<void> | void;

/** Where a new group starts reading. An existing group keeps its position. */
export type StartPosition = 'beginning' | 'end' | { id: string } | { timestamp: number | Date };

/** What both consumption modes read. */
export interface CommonSubscribeOptions {
  topic: string;
  group: string;
  /** This replica's name in the group; default `<hostname>-<pid>`. Keep it stable across restarts for static membership. */
  consumer?: string;
  /** Checked against the topic's stored partition count. */
  partitions?: number;
  /** Entries per read. */
  batchSize?: number;
  /** How long a read blocks waiting for new entries. */
  blockMs?: number;
  /** Handlers running at once in this replica. */
  concurrency?: number;
  /**
   * Entries read but not yet settled (acked, retried or dead-lettered), above which reading
   * pauses (backpressure). Default twice the batch size: enough to read ahead, small enough
   * that one replica does not hoard entries the others could be handling.
   */
  maxInFlight?: number;
  /**
   * Where a new group starts reading, in every partition; an existing group keeps its
   * position. `{ id }`: entries after that id (exclusive), the same id in each partition
   * stream. `{ timestamp }`: entries appended at or after that time (the Redis server's time
   * at append, which entry ids carry).
   */
  startFrom?: StartPosition;
  /** Deliveries (first + retries) before an entry is dead-lettered. */
  maxDeliveries?: number;
  /** Retry backoff: exponential from `baseMs`, capped at `maxMs`, with full jitter. */
  retryBackoff?: { baseMs?: number; maxMs?: number };
  /** Mark every settled event done (dedupe by event id per group), even without effects. */
  effectivelyOnce?: boolean;
  /** How long dedupe markers are kept. */
  dedupeWindowMs?: number;
  /**
   * close() (and a rebalance) waits this long for running handlers, then aborts their
   * `ctx.signal`. Ordering key keeps renewing the partition's lease while it waits, so a
   * drain longer than the session timeout never lets the next owner start early.
   */
  drainTimeoutMs?: number;
  /**
   * A handler that has not settled after this long counts as a failed attempt (error
   * `RS_HANDLER_TIMEOUT`, dead-letter reason `timeout` once retries are exhausted): its
   * `ctx.signal` is aborted, its concurrency slot and its key are freed, and whatever it
   * still does is ignored (its effects are never applied). 0 turns it off. Default 5 minutes.
   */
  handlerTimeoutMs?: number;
  /**
   * When handlers are running but none completed for this long, the replica gives its work
   * up until they do (`consumer.stalled`): ordering key leaves the group and lets its leases
   * lapse so others take the partitions; ordering none reads nothing and stops extending its
   * claims so others claim its entries. KafkaJS's max.poll.interval. 0 turns it off.
   * Default 10 minutes.
   */
  progressTimeoutMs?: number;
  /** When the group vanished (DEL, FLUSHALL, restart without persistence): recreate it reading from here. */
  recreateGroupFrom?: 'beginning' | 'end';
  /** Max approximate length of each partition's dead-letter stream. */
  deadLetterMaxLen?: number;
}

/** How events reach your code: exactly one of `handler`, `handlers` or `batchHandler`. */
export type HandlerOptions<P = unknown> =
  | {
      /** Every event. */
      handler: EventHandler<P>;
      /** Wraps the handler; the first is the outermost (see `timeout`, `throttle`). */
      middleware?: readonly Middleware[];
      handlers?: never;
      fallback?: never;
      batchHandler?: never;
      batch?: never;
    }
  | {
      /** A handler per event type (`TypedHandlers<typeof registry>` types each payload). */
      handlers: HandlerMap;
      /** Events of a type `handlers` lacks; without it they are dead-lettered (`no-handler`). */
      fallback?: EventHandler<P>;
      middleware?: readonly Middleware[];
      handler?: never;
      batchHandler?: never;
      batch?: never;
    }
  | {
      /** Events of one partition at a time, for sinks that write in bulk. */
      batchHandler: BatchHandler<P>;
      batch?: BatchOptions;
      handler?: never;
      handlers?: never;
      fallback?: never;
      middleware?: never;
    };

/** `ordering: 'none'` (the default): replicas share every partition, Redis hands each entry to one. */
export interface UnorderedSubscribeOptions {
  ordering?: 'none';
  /** Entries idle this long in a dead or stuck replica are claimed. */
  claimIdleMs?: number;
  claimIntervalMs?: number;
  /**
   * Consumer names idle this long with nothing pending are deleted from the group (departed
   * replicas). A name with pending entries is never deleted. Default max(4 x claimIdleMs, 60 s).
   */
  forgetConsumersAfterMs?: number;
  sessionTimeoutMs?: never;
  heartbeatIntervalMs?: never;
  assignor?: never;
  onRetriesExhausted?: never;
}

/** `ordering: 'key'`: each partition has one owner; one key never runs concurrently. */
export interface OrderedSubscribeOptions {
  ordering: 'key';
  /** A member is dead after this long without a heartbeat; also the lease TTL. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  assignor?: Assignor;
  /** After maxDeliveries, dead-letter and move on, or keep the key blocked (alerting). */
  onRetriesExhausted?: 'dead-letter' | 'block-key';
  claimIdleMs?: never;
  claimIntervalMs?: never;
  forgetConsumersAfterMs?: never;
}

/**
 * A subscription's options: the common ones, one way to handle events, and the options of the
 * chosen `ordering` (an option of the other mode is a type error, and refused at runtime).
 */
export type SubscribeOptions<P = unknown> = CommonSubscribeOptions &
  HandlerOptions<P> &
  (UnorderedSubscribeOptions | OrderedSubscribeOptions);

/** Every option, as resolution sees them (one flat shape; the union above is for callers). */
export type AllSubscribeOptions<P> = CommonSubscribeOptions & {
  handler?: EventHandler<P>;
  handlers?: HandlerMap;
  fallback?: EventHandler<P>;
  middleware?: readonly Middleware[];
  batchHandler?: BatchHandler<P>;
  batch?: BatchOptions;
  ordering?: 'none' | 'key';
  claimIdleMs?: number;
  claimIntervalMs?: number;
  forgetConsumersAfterMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  assignor?: Assignor;
  onRetriesExhausted?: 'dead-letter' | 'block-key';
};

export type ResolvedSubscribeOptions<P> = Required<
  Omit<
    AllSubscribeOptions<P>,
    | 'partitions'
    | 'assignor'
    | 'retryBackoff'
    | 'handlers'
    | 'fallback'
    | 'middleware'
    | 'batchHandler'
    | 'batch'
  >
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
  handlerTimeoutMs: 300_000,
  progressTimeoutMs: 600_000,
  recreateGroupFrom: 'beginning',
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1000,
  onRetriesExhausted: 'dead-letter',
  deadLetterMaxLen: 100_000,
} as const;

/** Options only one consumption mode reads: given to the other, they are refused, not ignored. */
const ONLY_FOR_MODE: Record<string, 'none' | 'key'> = {
  claimIdleMs: 'none',
  claimIntervalMs: 'none',
  forgetConsumersAfterMs: 'none',
  sessionTimeoutMs: 'key',
  heartbeatIntervalMs: 'key',
  assignor: 'key',
  onRetriesExhausted: 'key',
};

const KNOWN_OPTIONS = new Set<string>([
  'topic',
  'group',
  'consumer',
  'handler',
  'handlers',
  'fallback',
  'middleware',
  'batchHandler',
  'batch',
  'ordering',
  'partitions',
  'batchSize',
  'blockMs',
  'concurrency',
  'maxInFlight',
  'startFrom',
  'maxDeliveries',
  'retryBackoff',
  'effectivelyOnce',
  'dedupeWindowMs',
  'drainTimeoutMs',
  'handlerTimeoutMs',
  'progressTimeoutMs',
  'recreateGroupFrom',
  'deadLetterMaxLen',
  ...Object.keys(ONLY_FOR_MODE),
]);

/**
 * Refuses what the types already refuse, at runtime too (JavaScript callers, options read
 * from config): an unknown option (a typo would otherwise be ignored without a word) and an
 * option the chosen mode does not read.
 */
function assertKnownOptions(options: object, ordering: unknown): void {
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!KNOWN_OPTIONS.has(name))
      throw new InvalidOptionError(
        name,
        `a subscribe option (unknown option ${JSON.stringify(name)}; known: ${[...KNOWN_OPTIONS].join(', ')})`,
        value,
      );
    const mode = ONLY_FOR_MODE[name];
    if (mode !== undefined && mode !== ordering)
      throw new InvalidOptionError(
        name,
        `no value with ordering ${JSON.stringify(ordering)}: ${name} only applies to ordering ${JSON.stringify(mode)}`,
        value,
      );
  }
}

export function resolveSubscribeOptions<P>(
  callerOptions: SubscribeOptions<P>,
): ResolvedSubscribeOptions<P> {
  if (typeof callerOptions !== 'object' || callerOptions === null)
    throw new InvalidOptionError('options', 'an object', callerOptions);
  const options = callerOptions as AllSubscribeOptions<P>;
  assertKnownOptions(options, options.ordering ?? SUBSCRIBE_DEFAULTS.ordering);
  assertName('topic', options.topic);
  assertName('group', options.group);
  const consumer = options.consumer ?? `${hostname()}-${process.pid}`;
  assertName('consumer', consumer);
  const { handlers, fallback, middleware, batchHandler, batch, ...rest } = options;
  const resolved = {
    ...SUBSCRIBE_DEFAULTS,
    ...stripUndefined(rest),
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
  positiveInteger('drainTimeoutMs', resolved.drainTimeoutMs);
  positiveInteger('deadLetterMaxLen', resolved.deadLetterMaxLen);
  nonNegativeInteger('handlerTimeoutMs', resolved.handlerTimeoutMs);
  nonNegativeInteger('progressTimeoutMs', resolved.progressTimeoutMs);
  nonNegativeInteger('blockMs', resolved.blockMs);
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
  resolved.handler = compileHandler(options, resolved) as EventHandler<P>;
  return resolved;
}

/**
 * The one per-event handler the consumption modes run, from whichever way the caller chose:
 * a handler, a map routed by type, or a batch handler; wrapped in the middleware.
 */
function compileHandler<P>(
  options: AllSubscribeOptions<P>,
  resolved: ResolvedSubscribeOptions<P>,
): EventHandler {
  const given = (['handler', 'handlers', 'batchHandler'] as const).filter(
    (name) => options[name] !== undefined,
  );
  if (given.length !== 1)
    throw new InvalidOptionError(
      given.length === 0 ? 'handler' : given.join(' and '),
      'exactly one of handler, handlers or batchHandler',
      given.length === 0 ? undefined : 'several',
    );
  if (options.fallback !== undefined && options.handlers === undefined)
    throw new InvalidOptionError('fallback', 'only given with handlers', 'a fallback');
  if (options.batch !== undefined && options.batchHandler === undefined)
    throw new InvalidOptionError('batch', 'only given with batchHandler', options.batch);
  if (options.batchHandler !== undefined) {
    if (typeof options.batchHandler !== 'function')
      throw new InvalidOptionError('batchHandler', 'a function', typeof options.batchHandler);
    if (options.middleware !== undefined)
      throw new InvalidOptionError(
        'middleware',
        'not given with batchHandler (it wraps per-event handlers; wrap the batch handler itself)',
        'middleware',
      );
    const maxSize = options.batch?.maxSize ?? resolved.concurrency;
    const maxWaitMs = options.batch?.maxWaitMs ?? 0;
    positiveInteger('batch.maxSize', maxSize);
    nonNegativeInteger('batch.maxWaitMs', maxWaitMs);
    if (maxSize > resolved.concurrency)
      throw new InvalidOptionError(
        'batch.maxSize',
        `at most concurrency (${resolved.concurrency}): each event of a batch holds a slot`,
        maxSize,
      );
    return new BatchCollector(
      options.batchHandler as BatchHandler,
      { topic: resolved.topic, group: resolved.group },
      maxSize,
      maxWaitMs,
    ).handle;
  }
  let handler: EventHandler;
  if (options.handlers !== undefined) {
    if (typeof options.handlers !== 'object' || options.handlers === null)
      throw new InvalidOptionError(
        'handlers',
        'an object of event type -> handler',
        options.handlers,
      );
    for (const [type, route] of Object.entries(options.handlers))
      if (route !== undefined && typeof route !== 'function')
        throw new InvalidOptionError(
          `handlers[${JSON.stringify(type)}]`,
          'a function',
          typeof route,
        );
    if (options.fallback !== undefined && typeof options.fallback !== 'function')
      throw new InvalidOptionError('fallback', 'a function', typeof options.fallback);
    handler = routeByType(options.handlers, options.fallback as EventHandler | undefined);
  } else {
    if (typeof options.handler !== 'function')
      throw new InvalidOptionError('handler', 'a function', typeof options.handler);
    handler = options.handler as EventHandler;
  }
  if (options.middleware === undefined) return handler;
  if (!Array.isArray(options.middleware))
    throw new InvalidOptionError('middleware', 'an array of middleware', options.middleware);
  return applyMiddleware(handler, options.middleware);
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

function nonNegativeInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0)
    throw new InvalidOptionError(name, 'an integer >= 0', value);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
