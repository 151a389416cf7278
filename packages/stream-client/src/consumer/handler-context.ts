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

/** What the consumer knows about an entry when it builds its handler context. */
export interface HandlerContextFields {
  topic: string;
  group: string;
  consumer: string;
  partition: number;
  entryId: string;
  attempt: number;
  fencingToken: number | undefined;
  keys: RedisKeys;
  redis: RedisClient;
  signal: AbortSignal;
  /** Builds the per-event child logger; called only when the handler logs. */
  childLogger: () => Logger;
}

/**
 * One per delivered event, on the hot path: plain fields, with the effects list and the child
 * logger created only when the handler touches them (most handlers use neither).
 */
class EventHandlerContext implements HandlerContext {
  readonly topic: string;
  readonly group: string;
  readonly consumer: string;
  readonly partition: number;
  readonly entryId: string;
  readonly attempt: number;
  readonly fencingToken?: number;
  readonly redis: RedisClient;
  readonly signal: AbortSignal;
  private readonly keys: RedisKeys;
  private readonly childLogger: () => Logger;
  private lazyEffects: Effects | undefined;
  private lazyLog: Logger | undefined;

  constructor(fields: HandlerContextFields) {
    this.topic = fields.topic;
    this.group = fields.group;
    this.consumer = fields.consumer;
    this.partition = fields.partition;
    this.entryId = fields.entryId;
    this.attempt = fields.attempt;
    if (fields.fencingToken !== undefined) this.fencingToken = fields.fencingToken;
    this.redis = fields.redis;
    this.signal = fields.signal;
    this.keys = fields.keys;
    this.childLogger = fields.childLogger;
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
    this.lazyLog ??= this.childLogger();
    return this.lazyLog;
  }

  stateKey(name: string): string {
    return this.keys.state(this.topic, this.partition, name);
  }
}

export function createHandlerContext(
  fields: HandlerContextFields,
): HandlerContext & { readonly hasEffects: boolean } {
  return new EventHandlerContext(fields);
}
