type FlushFn = (stream: string, ids: string[]) => Promise<void>;

interface Pending {
  ids: string[];
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

/**
 * Collects acks of the same tick and sends one XACK (or fenced-ack script call) per stream,
 * instead of one round trip per entry. Each `add` resolves when its batch is acknowledged.
 */
export class AckBatcher {
  private pending = new Map<string, Pending>();
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly flushStream: FlushFn) {}

  add(stream: string, id: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let entry = this.pending.get(stream);
      if (!entry) {
        entry = { ids: [], waiters: [] };
        this.pending.set(stream, entry);
      }
      entry.ids.push(id);
      entry.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Sends everything collected so far; resolves when every outstanding batch is settled. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    this.scheduled = false;
    const batches = this.pending;
    if (batches.size === 0) return;
    this.pending = new Map();
    for (const [stream, { ids, waiters }] of batches) {
      const sent = this.flushStream(stream, ids).then(
        () => {
          for (const waiter of waiters) waiter.resolve();
        },
        (error: unknown) => {
          for (const waiter of waiters) waiter.reject(error);
        },
      );
      this.inFlight.add(sent);
      void sent.finally(() => this.inFlight.delete(sent));
    }
  }
}
