/**
 * Per-key serialization inside a partition: entries of one key run one at a time in arrival
 * (stream) order; different keys run concurrently. `run` is called for the head of each key
 * queue; when the returned promise settles the next entry of that key starts.
 */
export class KeyScheduler<T> {
  private readonly queues = new Map<string, T[]>();
  private stopped = false;

  constructor(private readonly run: (item: T) => Promise<void>) {}

  /** Number of entries waiting or running. */
  get size(): number {
    let total = 0;
    for (const queue of this.queues.values()) total += queue.length;
    return total;
  }

  get keyCount(): number {
    return this.queues.size;
  }

  enqueue(key: string, item: T): void {
    if (this.stopped) return;
    const queue = this.queues.get(key);
    if (queue) {
      queue.push(item);
      return;
    }
    this.queues.set(key, [item]);
    void this.drainKey(key);
  }

  /** Drops everything not yet started; running items finish on their own. Returns the dropped count. */
  stop(): number {
    this.stopped = true;
    let dropped = 0;
    for (const queue of this.queues.values()) {
      dropped += queue.length - 1;
      queue.length = Math.min(queue.length, 1);
    }
    return dropped;
  }

  private async drainKey(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0) {
      await this.run(queue[0]!);
      queue.shift();
      if (this.stopped) queue.length = 0;
    }
    this.queues.delete(key);
  }
}
