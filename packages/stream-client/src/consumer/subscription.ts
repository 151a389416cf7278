import { ClosedError } from '../errors.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import type { ConsumerMode } from './consumer-mode.js';
import type { ConsumerEventName, Instrumentation, Listener } from './instrumentation.js';

type SubscriptionState = 'created' | 'starting' | 'running' | 'closed';

/**
 * One replica of a consumer group. Made by `client.subscription(options)` and started with
 * `start()`, so listeners attached in between see every lifecycle event
 * (`consumer.started`, the first `consumer.partition.assigned`); `client.subscribe(options)`
 * does both at once.
 */
export class Subscription {
  private state: SubscriptionState = 'created';
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private requestClose: () => void = () => {};
  /** Resolves when close() is called: what waits on the subscription stops waiting. */
  private readonly closeRequested = new Promise<void>((resolve) => {
    this.requestClose = resolve;
  });

  constructor(
    readonly topic: string,
    readonly group: string,
    readonly consumer: string,
    readonly ordering: 'none' | 'key',
    private readonly mode: ConsumerMode,
    private readonly instrumentation: Instrumentation,
    readonly metrics: ConsumerMetrics,
    private readonly hooks: {
      onStarted: () => void;
      onClosed: () => void;
      log: (message: string) => void;
    },
  ) {}

  /** Listens to `consumer.*` events; returns the function that stops listening. */
  on<E extends ConsumerEventName>(event: E, listener: Listener<E>): () => void {
    return this.instrumentation.on(event, listener);
  }

  /**
   * Joins the group and starts consuming; resolves once it runs (`consumer.started` has been
   * emitted). A failed start closes the subscription and rejects.
   */
  start(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new ClosedError('subscription'));
    this.starting ??= this.begin();
    return this.starting;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  get inFlight(): number {
    return this.mode.inFlightCount;
  }

  /** Partitions this replica owns (ordering key); every partition for ordering none. */
  get ownedPartitions(): number[] {
    return this.state === 'running' ? this.mode.ownedPartitions : [];
  }

  /**
   * Stops reading: the whole subscription, or (ordering key) some partitions, owned now or
   * later. Resolves once no read of them is in flight; from then on nothing more is read until
   * `resume()`. Nothing else stops: leases are renewed and heartbeats sent (no partition moves
   * and no rebalance happens), and entries already read are handled, retried and settled.
   * KafkaJS's `consumer.pause()`; BullMQ's `worker.pause()`.
   */
  async pause(partitions?: readonly number[]): Promise<void> {
    if (this.state === 'closed') throw new ClosedError('subscription');
    await this.mode.pauseReading(partitions);
    this.instrumentation.emit('consumer.paused', () => ({
      partitions: this.mode.pausedPartitions,
    }));
    this.hooks.log(
      partitions === undefined ? 'paused' : `paused partitions ${partitions.join(',')}`,
    );
  }

  /** Reads again: everything without `partitions` (partitions paused one by one included), or those partitions. */
  resume(partitions?: readonly number[]): void {
    if (this.state === 'closed') return;
    this.mode.resumeReading(partitions);
    this.instrumentation.emit('consumer.resumed', () => ({
      partitions: partitions === undefined ? 'all' : [...partitions],
    }));
    this.hooks.log(
      partitions === undefined ? 'resumed' : `resumed partitions ${partitions.join(',')}`,
    );
  }

  /** 'all' while the whole subscription is paused, else the partitions paused one by one. */
  get paused(): number[] | 'all' {
    return this.mode.pausedPartitions;
  }

  /**
   * Resolves with this replica's partitions once it owns its share of the group's assignment:
   * ordering key, at the end of the first heartbeat after which it holds exactly the
   * partitions the assignor gives it among the current members (none, with more replicas than
   * partitions); ordering none, as soon as it runs (every replica reads every partition).
   * Starts the subscription if it was not started. Rejects when it closes first.
   */
  async whenAssigned(): Promise<number[]> {
    await this.start();
    return new Promise((resolve, reject) => {
      void this.closeRequested.then(() => reject(new ClosedError('subscription')));
      this.mode.whenAssigned().then(resolve, reject);
    });
  }

  /**
   * Stops reading, waits for running handlers (up to drainTimeoutMs), settles what finished,
   * releases leases. Bounded whether or not Redis answers: what could not be settled stays
   * pending for the next owner.
   */
  close(): Promise<void> {
    this.requestClose();
    this.closing ??= this.end();
    return this.closing;
  }

  private async begin(): Promise<void> {
    this.state = 'starting';
    try {
      await this.mode.start();
    } catch (error) {
      await this.close().catch(() => {});
      throw error;
    }
    if (this.closing) return;
    this.state = 'running';
    this.hooks.onStarted();
    this.instrumentation.emit('consumer.started', () => ({
      topic: this.topic,
      group: this.group,
      consumer: this.consumer,
      ordering: this.ordering,
    }));
    this.hooks.log('subscribed');
  }

  private async end(): Promise<void> {
    const wasStarted = this.state !== 'created';
    this.state = 'closed';
    try {
      if (wasStarted) await this.mode.close();
    } finally {
      if (wasStarted)
        this.instrumentation.emit('consumer.stopped', () => ({
          topic: this.topic,
          group: this.group,
          consumer: this.consumer,
        }));
      this.hooks.onClosed();
    }
  }
}
