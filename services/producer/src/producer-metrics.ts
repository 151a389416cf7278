import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** The producer's Prometheus metrics, in their own registry (served at /metrics). */
export class ProducerMetrics {
  readonly registry: Registry;
  readonly accepted: Counter<'topic' | 'source'>;
  readonly duplicates: Counter<'topic' | 'source'>;
  readonly rejected: Counter<'topic' | 'reason'>;
  readonly rejectedRecords: Counter<'topic' | 'reason'>;
  readonly publishDuration: Histogram<'topic' | 'source'>;

  constructor({ defaultMetrics = true }: { defaultMetrics?: boolean } = {}) {
    this.registry = new Registry();
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.accepted = new Counter({
      name: 'redstream_producer_events_accepted_total',
      help: 'Events accepted and appended (source: http or generator), idempotent repeats included',
      labelNames: ['topic', 'source'],
      registers,
    });
    this.duplicates = new Counter({
      name: 'redstream_producer_events_duplicate_total',
      help: 'Accepted events whose id was already published (nothing appended again)',
      labelNames: ['topic', 'source'],
      registers,
    });
    this.rejected = new Counter({
      name: 'redstream_producer_requests_rejected_total',
      help: 'Ingest requests refused (nothing appended), by reason: malformed-json, schema-violation, redis-unavailable, ...',
      labelNames: ['topic', 'reason'],
      registers,
    });
    this.rejectedRecords = new Counter({
      name: 'redstream_producer_records_rejected_total',
      help: 'Records of a records request refused on their own (the others written: 207), by reason',
      labelNames: ['topic', 'reason'],
      registers,
    });
    this.publishDuration = new Histogram({
      name: 'redstream_producer_publish_duration_seconds',
      help: 'Time to append one request or generator batch to Redis',
      labelNames: ['topic', 'source'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }
}
