import type { RedisClient } from './redis-connection.js';

/** How often the offset to the server's clock is measured again (bounds drift between them). */
const DEFAULT_REFRESH_MS = 60_000;

/**
 * The Redis server's time, as seen from this process: measured with TIME, then carried forward
 * on the local monotonic clock until the next measurement.
 *
 * Stream entry ids carry the server's time, so a bound computed against them (MINID for
 * `maxAgeMs` retention) must use the server's clock: with the producer's, a producer clock
 * ahead by `maxAgeMs` would trim every entry, unread ones included. The monotonic clock keeps
 * a later step of the local wall clock (NTP, a resumed VM) out of the estimate.
 */
export class ServerClock {
  private base: { serverMs: number; monotonicMs: number } | undefined;
  private measuring: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly refreshMs = DEFAULT_REFRESH_MS,
    private readonly monotonic: () => number = () => performance.now(),
  ) {}

  /** The server's current time in ms since the epoch (within half a round trip). */
  async now(): Promise<number> {
    if (!this.base || this.monotonic() - this.base.monotonicMs >= this.refreshMs)
      await this.measure();
    const base = this.base!;
    return Math.round(base.serverMs + (this.monotonic() - base.monotonicMs));
  }

  /** One TIME at a time: concurrent publishes share the measurement. */
  private measure(): Promise<void> {
    this.measuring ??= (async () => {
      const sent = this.monotonic();
      const [seconds, micros] = (await this.redis.time()).map(Number);
      const received = this.monotonic();
      // The server read its clock somewhere within the round trip: take the middle.
      this.base = {
        serverMs: seconds! * 1000 + Math.floor(micros! / 1000),
        monotonicMs: (sent + received) / 2,
      };
    })().finally(() => {
      this.measuring = undefined;
    });
    return this.measuring;
  }
}
