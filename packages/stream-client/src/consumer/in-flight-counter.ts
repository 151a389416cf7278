/**
 * Counts entries read and not yet settled. The read loop waits `below(max)` before reading
 * more (backpressure); close() waits `empty()` to drain.
 */
export class InFlightCounter {
  private count = 0;
  private listeners: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  increment(by = 1): void {
    this.count += by;
  }

  decrement(by = 1): void {
    if (by <= 0) return;
    this.count -= by;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }

  async below(limit: number): Promise<void> {
    while (this.count >= limit) await this.change();
  }

  /**
   * Waits until `room` more fit under `limit`, then counts them at once. Several readers
   * sharing one limit reserve before they read, so together they never overshoot it (each
   * checking `below` first could all pass, then all read a full batch). The caller gives the
   * reservation back with `decrement(room)` once what it read is counted entry by entry.
   */
  async reserve(room: number, limit: number): Promise<void> {
    while (this.count + room > limit) await this.change();
    this.count += room;
  }

  private change(): Promise<void> {
    return new Promise<void>((resolve) => this.listeners.push(resolve));
  }

  /** Resolves true when nothing is in flight, false when `timeoutMs` passed first. */
  async empty(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.count > 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.listeners.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }
}
