/**
 * A counting semaphore: at most `limit` holders at once, waiters served in FIFO order.
 * Caps the handlers running at once.
 */
export class ConcurrencyGate {
  private active = 0;
  /** Each waiter is called once the slot is handed over to it. */
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** Takes a slot when one is free, synchronously (the hot path allocates no promise). */
  tryAcquire(): boolean {
    if (this.active >= this.limit) return false;
    this.active++;
    return true;
  }

  async acquire(): Promise<void> {
    if (this.tryAcquire()) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /**
   * Calls `start` holding a slot: at once when one is free, else when one is handed over.
   * Entries queued behind the limit wait as one small closure each, not as a suspended async
   * handler frame: with a deep read-ahead those frames lived long enough to be promoted to the
   * old generation, which made up most of a consumer's peak memory.
   */
  whenFree(start: () => void): void {
    if (this.tryAcquire()) start();
    else this.waiters.push(start);
  }

  release(): void {
    // The releasing holder hands its slot over directly, so `active` stays the same.
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }
}
