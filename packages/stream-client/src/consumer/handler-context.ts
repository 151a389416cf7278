import type { Logger } from 'pino';
import type { RedisClient } from '../connection/redis-connection.js';
import { InvalidOptionError } from '../errors.js';
import type { RedisKeys } from '../keys.js';

type Arg = string | number | Buffer;

/**
 * Redis writes a handler wants applied exactly once per event: they run in the same atomic
 * step as the ack and the dedupe marker (the "ack-and-mark" script), so a redelivered event
 * (crash between handler and ack, a claim race) does not apply them twice.
 * Every written key must be in the partition's hash slot: build keys with `context.stateKey()`.
 */
export class Effects {
  readonly commands: Arg[][] = [];
  readonly keys: string[] = [];

  /** Any single-key write command: `command('HINCRBY', key, 'field', 1)`. */
  command(name: string, key: string, ...args: Arg[]): this {
    if (!/^[A-Za-z]+$/.test(name))
      throw new InvalidOptionError('effects command', 'a Redis command name', name);
    let index = this.keys.indexOf(key);
    if (index < 0) index = this.keys.push(key) - 1;
    // '\0k<i>' refers to KEYS[i] inside the script; the first three KEYS are the script's own.
    this.commands.push([name.toUpperCase(), `\0k${index + 4}`, ...args]);
    return this;
  }

  set(key: string, value: Arg, ...options: Arg[]): this {
    return this.command('SET', key, value, ...options);
  }

  hset(key: string, fields: Record<string, Arg>): this {
    return this.command('HSET', key, ...Object.entries(fields).flat());
  }

  hincrby(key: string, field: string, by: number): this {
    return this.command('HINCRBY', key, field, by);
  }

  incrby(key: string, by: number): this {
    return this.command('INCRBY', key, by);
  }

  rpush(key: string, ...values: Arg[]): this {
    return this.command('RPUSH', key, ...values);
  }

  del(key: string): this {
    return this.command('DEL', key);
  }

  get size(): number {
    return this.commands.length;
  }
}

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
  /** Aborted when this replica stops owning the partition or shuts down past its drain timeout. */
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

  constructor(
    private readonly scope: HandlerContextScope,
    private readonly event: LoggedEvent,
    readonly partition: number,
    readonly entryId: string,
    readonly attempt: number,
    readonly signal: AbortSignal,
    fencingToken: number | undefined,
  ) {
    if (fencingToken !== undefined) this.fencingToken = fencingToken;
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
    this.lazyEffects ??= new Effects();
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

export function createHandlerContext(
  scope: HandlerContextScope,
  event: LoggedEvent,
  entry: { partition: number; id: string },
  attempt: number,
  signal: AbortSignal,
  fencingToken: number | undefined,
): HandlerContext & { readonly hasEffects: boolean } {
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
