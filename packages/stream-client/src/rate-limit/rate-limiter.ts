import { InvalidOptionError } from '../errors.js';
import type { RedisKeys } from '../keys.js';
import type { LuaScripts } from '../scripts/lua-scripts.js';

/** A limit per bucket name (an API key id, say); a rate of 0 turns that limit off. */
export interface RateLimitOptions {
  eventsPerSecond: number;
  bytesPerSecond: number;
  /** How many seconds of the rate a bucket holds: the burst allowed after a quiet spell. */
  burstSeconds?: number;
}

/** One bucket's state after a request: what the RateLimit header fields report. */
export interface BucketState {
  /** What the bucket holds when full (rate * burst). */
  quota: number;
  windowSeconds: number;
  remaining: number;
  /** Milliseconds until the bucket is full again. */
  fullInMs: number;
}

export interface RateDecision {
  allowed: boolean;
  /** 0 when allowed; else how long until the same request would be let through. */
  retryAfterMs: number;
  /** Absent when that limit is off. */
  events?: BucketState;
  bytes?: BucketState;
}

/**
 * Token buckets kept in Redis (one hash per name, refilled from the server's clock in one
 * script call), so every process on the same Redis shares one limit per name: two gateway
 * replicas behind a load balancer give a key the configured rate, not twice it.
 */
export class RateLimiter {
  readonly options: Required<RateLimitOptions>;

  constructor(
    private readonly scripts: LuaScripts,
    private readonly keys: RedisKeys,
    options: RateLimitOptions,
  ) {
    const { eventsPerSecond, bytesPerSecond, burstSeconds = 1 } = options;
    for (const [name, value] of Object.entries({ eventsPerSecond, bytesPerSecond }))
      if (!Number.isFinite(value) || value < 0)
        throw new InvalidOptionError(name, 'a number >= 0 (0 turns the limit off)', value);
    if (!Number.isInteger(burstSeconds) || burstSeconds < 1)
      throw new InvalidOptionError('burstSeconds', 'an integer >= 1', burstSeconds);
    this.options = { eventsPerSecond, bytesPerSecond, burstSeconds };
  }

  get enabled(): boolean {
    return this.options.eventsPerSecond > 0 || this.options.bytesPerSecond > 0;
  }

  /** Charges `cost` to `name`'s buckets when both hold enough; otherwise charges nothing. */
  async take(name: string, cost: { events: number; bytes: number }): Promise<RateDecision> {
    const { eventsPerSecond, bytesPerSecond, burstSeconds } = this.options;
    // A negative cost would refill the bucket and NaN would poison it (Lua keeps NaN as a
    // number): refused before anything reaches Redis.
    for (const [what, value] of [
      ['cost.events', cost.events],
      ['cost.bytes', cost.bytes],
    ] as const)
      if (!Number.isFinite(value) || value < 0)
        throw new InvalidOptionError(what, 'a finite number >= 0', value);
    if (!this.enabled) return { allowed: true, retryAfterMs: 0 };
    const [allowed, waitMs, eventsLeft, eventsFullMs, bytesLeft, bytesFullMs] =
      await this.scripts.takeTokens({
        bucket: this.keys.rateLimitBucket(name),
        eventsPerSecond,
        bytesPerSecond,
        burstSeconds,
        events: cost.events,
        bytes: cost.bytes,
      });
    const state = (rate: number, remaining: number, fullInMs: number): BucketState => ({
      quota: rate * burstSeconds,
      windowSeconds: burstSeconds,
      remaining,
      fullInMs,
    });
    return {
      allowed: allowed === 1,
      retryAfterMs: waitMs,
      ...(eventsPerSecond > 0 ? { events: state(eventsPerSecond, eventsLeft, eventsFullMs) } : {}),
      ...(bytesPerSecond > 0 ? { bytes: state(bytesPerSecond, bytesLeft, bytesFullMs) } : {}),
    };
  }
}
