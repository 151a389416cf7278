import type { ConsumerMetrics } from './consumer-metrics.js';
import type { ConsumerEventName, Instrumentation, Listener } from './instrumentation.js';

interface ConsumerMode {
  start(): Promise<void>;
  close(): Promise<void>;
  readonly inFlightCount: number;
  readonly ownedPartitions?: number[];
}

/** A running subscription: one replica of a consumer group. */
export class Subscription {
  private closing: Promise<void> | undefined;

  constructor(
    readonly topic: string,
    readonly group: string,
    readonly consumer: string,
    readonly ordering: 'none' | 'key',
    private readonly mode: ConsumerMode,
    private readonly instrumentation: Instrumentation,
    readonly metrics: ConsumerMetrics,
    private readonly onClosed: () => void,
  ) {}

  /** Listens to `consumer.*` events; returns the function that stops listening. */
  on<E extends ConsumerEventName>(event: E, listener: Listener<E>): () => void {
    return this.instrumentation.on(event, listener);
  }

  get inFlight(): number {
    return this.mode.inFlightCount;
  }

  /** Partitions this replica owns (ordering key); every partition for ordering none. */
  get ownedPartitions(): number[] {
    return this.mode.ownedPartitions ?? [];
  }

  /** Stops reading, waits for running handlers (up to drainTimeoutMs), acks, releases leases. */
  close(): Promise<void> {
    this.closing ??= this.mode.close().finally(() => {
      this.instrumentation.emit('consumer.stopped', () => ({
        topic: this.topic,
        group: this.group,
        consumer: this.consumer,
      }));
      this.onClosed();
    });
    return this.closing;
  }
}
