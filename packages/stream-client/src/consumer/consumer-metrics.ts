import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

type Labels = { topic: string; group: string };

/**
 * Prometheus metrics of a subscription, registered in an injected prom-client registry.
 * Several subscriptions may share a registry: metrics are looked up before being created.
 */
export class ConsumerMetrics {
  private readonly handled?: Counter<'topic' | 'group'>;
  private readonly failed?: Counter<'topic' | 'group'>;
  private readonly retried?: Counter<'topic' | 'group'>;
  private readonly deadLettered?: Counter<'topic' | 'group' | 'reason'>;
  private readonly duplicates?: Counter<'topic' | 'group'>;
  private readonly duration?: Histogram<'topic' | 'group'>;
  private readonly inFlight?: Gauge<'topic' | 'group'>;
  private readonly ownedPartitions?: Gauge<'topic' | 'group'>;
  private readonly rebalances?: Counter<'topic' | 'group'>;
  private readonly rebalanceDuration?: Histogram<'topic' | 'group'>;
  private readonly blockedKeys?: Gauge<'topic' | 'group'>;
  private readonly skipped?: Counter<'topic' | 'group' | 'reason'>;

  constructor(
    registry: Registry | undefined,
    private readonly labels: Labels,
  ) {
    if (!registry) return;
    const names = ['topic', 'group'] as const;
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      (registry.getSingleMetric(name) as Counter<L> | undefined) ??
      new Counter({ name, help, labelNames, registers: [registry] });
    const gauge = (name: string, help: string) =>
      (registry.getSingleMetric(name) as Gauge<'topic' | 'group'> | undefined) ??
      new Gauge({ name, help, labelNames: names, registers: [registry] });
    const histogram = (name: string, help: string, buckets: number[]) =>
      (registry.getSingleMetric(name) as Histogram<'topic' | 'group'> | undefined) ??
      new Histogram({ name, help, labelNames: names, buckets, registers: [registry] });
    this.handled = counter(
      'redstream_consumer_handled_total',
      'Events handled successfully',
      names,
    );
    this.failed = counter(
      'redstream_consumer_failed_total',
      'Handler failures (each failed attempt)',
      names,
    );
    this.retried = counter(
      'redstream_consumer_retried_total',
      'Retries scheduled or run in place',
      names,
    );
    this.deadLettered = counter(
      'redstream_consumer_dead_lettered_total',
      'Entries moved to the dead-letter stream',
      ['topic', 'group', 'reason'] as const,
    );
    this.duplicates = counter(
      'redstream_consumer_duplicates_total',
      'Redeliveries whose effects were already applied',
      names,
    );
    this.duration = histogram(
      'redstream_consumer_handler_duration_seconds',
      'Handler run time',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
    this.inFlight = gauge('redstream_consumer_in_flight', 'Entries read and not yet settled');
    this.ownedPartitions = gauge(
      'redstream_consumer_owned_partitions',
      'Partitions this replica owns (ordering key)',
    );
    this.rebalances = counter(
      'redstream_consumer_rebalances_total',
      'Rebalances this replica took part in',
      names,
    );
    this.rebalanceDuration = histogram(
      'redstream_consumer_rebalance_duration_seconds',
      'Time from a membership change to owning the target partitions',
      [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    );
    this.skipped = counter(
      'redstream_consumer_skipped_total',
      'Entries settled without their handler (deleted or trimmed while pending, settled elsewhere)',
      ['topic', 'group', 'reason'] as const,
    );
    this.blockedKeys = gauge(
      'redstream_consumer_blocked_keys',
      'Keys blocked after exhausting retries (onRetriesExhausted block-key)',
    );
  }

  recordHandled(durationMs: number): void {
    this.handled?.inc(this.labels);
    this.duration?.observe(this.labels, durationMs / 1000);
  }

  recordFailed(): void {
    this.failed?.inc(this.labels);
  }

  recordRetried(): void {
    this.retried?.inc(this.labels);
  }

  recordDeadLettered(reason: string): void {
    this.deadLettered?.inc({ ...this.labels, reason });
  }

  recordSkipped(reason: string): void {
    this.skipped?.inc({ ...this.labels, reason });
  }

  recordDuplicate(): void {
    this.duplicates?.inc(this.labels);
  }

  setInFlight(count: number): void {
    this.inFlight?.set(this.labels, count);
  }

  setOwnedPartitions(count: number): void {
    this.ownedPartitions?.set(this.labels, count);
  }

  recordRebalance(durationMs?: number): void {
    this.rebalances?.inc(this.labels);
    if (durationMs !== undefined) this.rebalanceDuration?.observe(this.labels, durationMs / 1000);
  }

  setBlockedKeys(count: number): void {
    this.blockedKeys?.set(this.labels, count);
  }
}
