/**
 * Counts entries read and not yet settled, plus the room readers reserved for a read in flight.
 * A reader reserves its read's worst case before it reads, so several readers sharing one
 * limit never overshoot it together; it gives the reservation back (`unreserve`) once what it
 * read is counted entry by entry. close() waits `empty()` to drain.
 */
export class InFlightCounter {
  private entryCount = 0;
  private reserved = 0;
  private listeners: Array<() => void> = [];

  /** Entries plus reservations: what the limit is checked against. */
  get size(): number {
    return this.entryCount + this.reserved;
  }

  /** Entries read and not yet settled (what the in-flight gauge shows). */
  get entries(): number {
    return this.entryCount;
  }

  increment(by = 1): void {
    this.entryCount += by;
  }

  decrement(by = 1): void {
    if (by <= 0) return;
    this.entryCount -= by;
    this.changed();
  }

  /** Waits until `room` more fit under `limit`, then reserves it. */
  async reserve(room: number, limit: number): Promise<void> {
    while (this.size + room > limit) await this.change();
    this.reserved += room;
  }

  /**
   * For a read whose COUNT applies per stream: waits until `minPerStream` entries per stream
   * fit under `limit` (so reads stay large instead of many small ones), then reserves as many
   * per stream as fit (at most `maxPerStream`) and returns that count. Give back
   * `count * streams` with `unreserve`.
   */
  async reservePerStream(
    streams: number,
    maxPerStream: number,
    limit: number,
    minPerStream = 1,
  ): Promise<number> {
    while (this.size + streams * minPerStream > limit) await this.change();
    const free = limit - this.size;
    const perStream = Math.min(maxPerStream, Math.floor(free / streams));
    this.reserved += perStream * streams;
    return perStream;
  }

  /** Reserves `room` when it fits under `limit` now; false (and nothing reserved) otherwise. */
  tryReserve(room: number, limit: number): boolean {
    if (this.size + room > limit) return false;
    this.reserved += room;
    return true;
  }

  unreserve(room: number): void {
    if (room <= 0) return;
    this.reserved -= room;
    this.changed();
  }

  /** Resolves true when no entry is in flight, false when `timeoutMs` passed first. */
  async empty(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.entryCount > 0) {
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

  private change(): Promise<void> {
    return new Promise<void>((resolve) => this.listeners.push(resolve));
  }

  private changed(): void {
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
}
