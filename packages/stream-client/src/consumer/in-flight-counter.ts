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

  /**
   * For a read whose COUNT applies per stream: waits until at least one entry per stream fits
   * under `limit`, then reserves up to half of the free room (at most `maxPerStream` per
   * stream) and returns the count per stream. Half: a blocking read holds its reservation
   * while nothing arrives, and the claims of entries left by dead replicas need room too. The
   * caller gives back `count * streams` once what it read is counted.
   */
  async reservePerStream(streams: number, maxPerStream: number, limit: number): Promise<number> {
    while (this.count + streams > limit) await this.change();
    const free = limit - this.count;
    const perStream = Math.min(maxPerStream, Math.max(1, Math.floor(free / (2 * streams))));
    this.count += perStream * streams;
    return perStream;
  }

  /** Counts `room` at once when it fits under `limit` now; false (and nothing counted) otherwise. */
  tryReserve(room: number, limit: number): boolean {
    if (this.count + room > limit) return false;
    this.count += room;
    return true;
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
