import type { OrderOutcome } from '@redstream/orders-demo';
import type { GroupLag } from '@redstream/stream-client';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

type LagLabels = 'topic' | 'group' | 'partition';

/**
 * The consumer's Prometheus registry. The stream client registers its subscription metrics
 * here (handled, failed, retried, dead-lettered, duplicates, handler duration, owned
 * partitions, in-flight, rebalances); this adds lag per partition, read from Redis when
 * /metrics is scraped, and the demo handler's decisions.
 */
export class ConsumerServiceMetrics {
  readonly registry = new Registry();
  readonly outcomes: Counter<'outcome'>;
  private lagSource: (() => Promise<GroupLag>) | undefined;
  private snapshot: { at: number; lag: Promise<GroupLag | undefined> } | undefined;

  constructor({ defaultMetrics = true }: { defaultMetrics?: boolean } = {}) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.outcomes = new Counter({
      name: 'orders_demo_events_total',
      help: 'Order events by handler decision: applied, duplicate, out-of-order, foreign-run',
      labelNames: ['outcome'],
      registers,
    });
    const lagGauge = (
      name: string,
      help: string,
      value: (row: GroupLag['partitions'][number]) => number,
    ) => {
      const metrics = this;
      return new Gauge<LagLabels>({
        name,
        help,
        labelNames: ['topic', 'group', 'partition'],
        registers,
        // Gauges are collected concurrently on a scrape: they share one groupLag read.
        async collect() {
          const lag = await metrics.lag();
          this.reset();
          if (!lag) return;
          for (const row of lag.partitions)
            this.set(
              { topic: lag.topic, group: lag.group, partition: String(row.partition) },
              value(row),
            );
        },
      });
    };
    lagGauge(
      'redstream_consumer_lag_entries',
      'Entries of the partition not yet delivered to the group',
      (row) => row.lag,
    );
    lagGauge(
      'redstream_consumer_lag_seconds',
      'Age of the oldest entry of the partition not yet delivered or acked (0 when caught up)',
      (row) => row.lagSeconds,
    );
    lagGauge(
      'redstream_consumer_pending_entries',
      'Entries delivered to the group and not yet acked',
      (row) => row.pending,
    );
  }

  /** Where lag comes from (set once the client is connected). */
  setLagSource(source: () => Promise<GroupLag>): void {
    this.lagSource = source;
  }

  recordOutcome(outcome: OrderOutcome): void {
    this.outcomes.inc({ outcome });
  }

  private lag(): Promise<GroupLag | undefined> {
    const now = Date.now();
    if (!this.snapshot || now - this.snapshot.at > 500) {
      const source = this.lagSource;
      // A scrape while Redis is down shows no lag series rather than failing the scrape.
      this.snapshot = {
        at: now,
        lag: source ? source().catch(() => undefined) : Promise.resolve(undefined),
      };
    }
    return this.snapshot.lag;
  }
}
