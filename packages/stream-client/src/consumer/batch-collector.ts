import type { DecodedEvent } from '@redstream/codec';
import type { HandlerContext } from './handler-context.js';
import type { EventHandler } from './subscribe-options.js';

/**
 * Events of one partition handed to a batch handler together (KafkaJS's `eachBatch`). Each
 * event keeps its own context: its effects, `stateKey`, attempt and entry id, settled with its
 * own ack. Ordering key: a batch holds at most one event per key (each key's next one), so a
 * key's order holds across a failure: its later events wait until this one settles.
 */
export interface EventBatch<P = unknown> {
  topic: string;
  group: string;
  partition: number;
  /** In the order they were handed over (stream order per key). */
  events: ReadonlyArray<DecodedEvent<P>>;
  /** The context of one event of this batch. */
  contextOf(event: DecodedEvent<P>): HandlerContext;
  /**
   * Settles an event now (acked, its effects applied), whatever the handler does after: queue
   * the event's effects first. KafkaJS's `resolveOffset`. When the handler throws, the events
   * resolved so far stay settled and the rest are retried (or dead-lettered) one by one.
   */
  resolve(event: DecodedEvent<P>): void;
  /** Aborted when the run of any event of the batch is (timeout, lost partition, shutdown past the drain). */
  signal: AbortSignal;
}

export type BatchHandler<P = unknown> = (batch: EventBatch<P>) => void | Promise<void>;

export interface BatchOptions {
  /** Events per batch at most. Default and maximum: `concurrency` (each event of a batch holds a slot). */
  maxSize?: number;
  /**
   * How long a batch waits for more events after its first. Default 0: the events handed over
   * together by one read. More fills batches further at that latency.
   */
  maxWaitMs?: number;
}

interface BatchItem {
  event: DecodedEvent;
  context: HandlerContext;
  settle: () => void;
  fail: (error: unknown) => void;
}

interface OpenBatch {
  items: BatchItem[];
  timer: NodeJS.Timeout | NodeJS.Immediate;
}

/**
 * Turns a batch handler into the per-event handler the consumption modes run: each event's
 * run waits in its partition's open batch, the batch handler runs once for all of them, and
 * each run then ends as its event did. So batches ride on everything a single event has:
 * concurrency and in-flight bounds, leases and fencing, the handler timeout, retries and
 * dead letters per event.
 */
export class BatchCollector {
  private readonly open = new Map<number, OpenBatch>();

  constructor(
    private readonly handler: BatchHandler,
    private readonly scope: { topic: string; group: string },
    private readonly maxSize: number,
    private readonly maxWaitMs: number,
  ) {}

  readonly handle: EventHandler = (event, context) =>
    new Promise<void>((settle, fail) => {
      const { partition } = context;
      let batch = this.open.get(partition);
      if (!batch) {
        const opened: OpenBatch = {
          items: [],
          timer:
            this.maxWaitMs > 0
              ? setTimeout(() => this.flush(partition, opened), this.maxWaitMs)
              : setImmediate(() => this.flush(partition, opened)),
        };
        batch = opened;
        this.open.set(partition, batch);
      }
      batch.items.push({ event, context, settle, fail });
      if (batch.items.length >= this.maxSize) this.flush(partition, batch);
    });

  private flush(partition: number, batch: OpenBatch): void {
    if (this.open.get(partition) !== batch) return;
    this.open.delete(partition);
    clearTimeout(batch.timer as NodeJS.Timeout);
    clearImmediate(batch.timer as NodeJS.Immediate);
    void this.run(partition, batch.items);
  }

  private async run(partition: number, items: BatchItem[]): Promise<void> {
    const byEvent = new Map(items.map((item) => [item.event, item]));
    const itemOf = (event: DecodedEvent): BatchItem => {
      const item = byEvent.get(event);
      if (!item) throw new TypeError('the event is not one of this batch');
      return item;
    };
    // Made only when the handler reads it: each event's signal is made lazily too.
    let signal: AbortSignal | undefined;
    try {
      await this.handler({
        topic: this.scope.topic,
        group: this.scope.group,
        partition,
        events: items.map((item) => item.event),
        contextOf: (event) => itemOf(event).context,
        resolve: (event) => itemOf(event).settle(),
        get signal() {
          signal ??= AbortSignal.any(items.map((item) => item.context.signal));
          return signal;
        },
      });
    } catch (error) {
      // Settled events ignore this: a promise settles once.
      for (const item of items) item.fail(error);
      return;
    }
    for (const item of items) item.settle();
  }
}
