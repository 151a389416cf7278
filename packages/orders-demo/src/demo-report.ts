import type { StreamClient } from '@redstream/stream-client';
import { CounterField, OrderStateKeys } from './order-state-keys.js';

/** The handler's counters of one run, summed over the topic's partitions. */
export interface DemoCounters {
  runId: string;
  topic: string;
  partitions: number;
  /** Events whose effects were applied (each event id once), duplicates and violations included. */
  handled: number;
  /** Events of an order seq that had been handled before. */
  duplicates: number;
  /** Events that arrived after a later seq of their order. */
  orderViolations: number;
  /** Events applied on a later delivery than the first (attempt > 1). */
  redeliveries: number;
  /** Deliveries of events whose effects were applied already (skipped by the dedupe marker). */
  dedupeHits: number;
  /** Handled events per consumer name. */
  perConsumer: Record<string, number>;
}

/** Reads and sums the counters of `runId` on every partition of `topic`. */
export async function readDemoReport(
  client: StreamClient,
  { topic, runId }: { topic: string; runId: string },
): Promise<DemoCounters> {
  const info = await client.topics.requireTopic(topic);
  const name = OrderStateKeys.counters(runId);
  const hashes = await Promise.all(
    Array.from({ length: info.partitions }, (_, partition) =>
      client.redis.hgetall(client.keys.state(topic, partition, name)),
    ),
  );
  const report: DemoCounters = {
    runId,
    topic,
    partitions: info.partitions,
    handled: 0,
    duplicates: 0,
    orderViolations: 0,
    redeliveries: 0,
    dedupeHits: 0,
    perConsumer: {},
  };
  for (const hash of hashes) {
    for (const [field, text] of Object.entries(hash)) {
      const value = Number(text);
      if (field.startsWith(CounterField.handledByPrefix)) {
        const consumer = field.slice(CounterField.handledByPrefix.length);
        report.perConsumer[consumer] = (report.perConsumer[consumer] ?? 0) + value;
      } else if (field === CounterField.handled) report.handled += value;
      else if (field === CounterField.duplicates) report.duplicates += value;
      else if (field === CounterField.orderViolations) report.orderViolations += value;
      else if (field === CounterField.redeliveries) report.redeliveries += value;
      else if (field === CounterField.dedupeHits) report.dedupeHits += value;
    }
  }
  report.perConsumer = Object.fromEntries(
    Object.entries(report.perConsumer).sort(([a], [b]) =>
      a.localeCompare(b, 'en', { numeric: true }),
    ),
  );
  return report;
}
