type FlushFn = (stream: string, ids: string[]) => Promise<void>;

interface Batch {
  ids: string[];
  /** Settles when this batch was sent; shared by every entry in it (one promise per batch, not per entry). */
  sent: Promise<void>;
  send: () => void;
}

/**
 * Collects acks of the same tick and sends one XACK (or fenced-ack script call) per stream,
 * instead of one round trip per entry. Each `add` resolves when its batch is acknowledged.
 */
export class AckBatcher {
  private pending = new Map<string, Batch>();
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  /** `onBatchFailed` hears of each failed batch once, whoever waits for it. */
  constructor(
    private readonly flushStream: FlushFn,
    private readonly onBatchFailed?: (error: unknown) => void,
  ) {}

  /**
   * Adds an ack nobody waits for: a failure reaches `onBatchFailed` once per batch, instead of
   * each entry allocating its own promise and handler just to observe it.
   */
  push(stream: string, id: string): void {
    void this.add(stream, id);
  }

  add(stream: string, id: string): Promise<void> {
    let batch = this.pending.get(stream);
    if (!batch) {
      batch = this.newBatch(stream);
      this.pending.set(stream, batch);
    }
    batch.ids.push(id);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return batch.sent;
  }

  /** Sends everything collected so far; resolves when every outstanding batch is settled. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  private newBatch(stream: string): Batch {
    let send!: () => void;
    const ids: string[] = [];
    const sent = new Promise<void>((resolve, reject) => {
      send = () =>
        this.flushStream(stream, ids).then(resolve, (error: unknown) => {
          this.onBatchFailed?.(error);
          reject(error);
        });
    });
    // Callers await it; an unobserved rejection must not crash the process in between.
    sent.catch(() => {});
    return { ids, sent, send };
  }

  private flush(): void {
    this.scheduled = false;
    const batches = this.pending;
    if (batches.size === 0) return;
    this.pending = new Map();
    for (const batch of batches.values()) {
      batch.send();
      this.inFlight.add(batch.sent);
      void batch.sent.catch(() => {}).finally(() => this.inFlight.delete(batch.sent));
    }
  }
}
