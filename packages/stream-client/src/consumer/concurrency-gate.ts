/**
 * A counting semaphore: at most `limit` holders at once, waiters served in FIFO order.
 * Caps the handlers running at once.
 */
export class ConcurrencyGate {
  private active = 0;
  /** Each waiter is called once the slot is handed over to it (FIFO, see nextWaiter). */
  private waiters: Array<() => void> = [];
  private waitersHead = 0;
  /** Waiters given a slot during a release, started by the outermost release call. */
  private readonly handoffs: Array<() => void> = [];
  private handingOver = false;

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
    const next = this.nextWaiter();
    if (!next) {
      this.active--;
      return;
    }
    this.handoffs.push(next);
    // A started waiter may finish at once and release inside this call (work of a revoked
    // partition returns without running): hand over in a loop here instead of recursing,
    // which with thousands of queued entries would overflow the stack.
    if (this.handingOver) return;
    this.handingOver = true;
    try {
      for (let start = this.handoffs.shift(); start; start = this.handoffs.shift()) start();
    } finally {
      this.handingOver = false;
    }
  }

  /** Array.shift is linear in the queue length: a head index keeps handovers O(1). */
  private nextWaiter(): (() => void) | undefined {
    if (this.waitersHead >= this.waiters.length) return undefined;
    const next = this.waiters[this.waitersHead++];
    if (this.waitersHead === this.waiters.length) {
      this.waiters = [];
      this.waitersHead = 0;
    } else if (this.waitersHead >= 1024 && this.waitersHead * 2 >= this.waiters.length) {
      this.waiters = this.waiters.slice(this.waitersHead);
      this.waitersHead = 0;
    }
    return next;
  }
}
