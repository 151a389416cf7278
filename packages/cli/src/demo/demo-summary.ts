import type { DemoCounters } from '@redstream/orders-demo';
import type { DemoOptions } from './demo-options.js';

/** One replica SIGKILLed by `--kill`. */
export interface KillRecord {
  consumer: string;
  /** Handled events (all replicas) when it was killed. */
  atHandled: number;
  /** From the kill to the replacement being ready, ms (null if it never got ready). */
  downMs: number | null;
}

/** The report, in the shape `--json` prints (its first keys are the ones the issue fixes). */
export interface DemoSummary {
  published: number;
  handled: number;
  duplicates: number;
  lost: number;
  orderViolations: number;
  /** Events applied on a later delivery (attempt > 1) plus dedupe-marker hits. */
  redeliveries: number;
  perConsumer: Record<string, number>;
  ok: boolean;
  runId: string;
  topic: string;
  group: string;
  ordering: 'key' | 'none';
  partitions: number;
  keys: number;
  consumers: number;
  /** `required-zero` under ordering key; `counted-only` under ordering none (no order promise). */
  orderViolationsPolicy: 'required-zero' | 'counted-only';
  redeliveriesApplied: number;
  dedupeHits: number;
  kills: KillRecord[];
  /** Why ok is false (empty when ok). */
  failures: string[];
  /** Worth knowing, not failing: a replica that did no work, a replica that did not drain. */
  warnings: string[];
  redis: string;
  /** True when the demo started Redis (and stopped it); false for REDIS_URL / REDIS_CLUSTER_NODES. */
  redisOwned: boolean;
  durationMs: number;
}

export interface SummaryInput {
  options: DemoOptions;
  runId: string;
  topic: string;
  group: string;
  published: number;
  counters: DemoCounters;
  replicaNames: string[];
  kills: KillRecord[];
  problems: string[];
  warnings: string[];
  redis: string;
  redisOwned: boolean;
  durationMs: number;
}

/**
 * The verdict: ok only when every published event was handled exactly once (handled ==
 * published, no duplicate, none lost) and, under ordering key, none out of order.
 */
export function summarize(input: SummaryInput): DemoSummary {
  const { options, counters, published } = input;
  const distinct = counters.handled - counters.duplicates;
  const lost = Math.max(0, published - distinct);
  const perConsumer: Record<string, number> = {};
  for (const name of input.replicaNames) perConsumer[name] = counters.perConsumer[name] ?? 0;
  for (const [name, count] of Object.entries(counters.perConsumer)) perConsumer[name] ??= count;

  const failures = [...input.problems];
  if (counters.handled !== published)
    failures.push(`handled ${counters.handled} events, published ${published}`);
  if (lost > 0) failures.push(`${lost} published events were never handled`);
  if (counters.duplicates > 0)
    failures.push(`${counters.duplicates} duplicate transitions (an order seq handled twice)`);
  if (options.ordering === 'key' && counters.orderViolations > 0)
    failures.push(`${counters.orderViolations} order violations under ordering key`);

  const warnings = [...input.warnings];
  const idle = input.replicaNames.filter((name) => (perConsumer[name] ?? 0) === 0);
  if (idle.length > 0) warnings.push(`replicas that handled nothing: ${idle.join(', ')}`);

  return {
    published,
    handled: counters.handled,
    duplicates: counters.duplicates,
    lost,
    orderViolations: counters.orderViolations,
    redeliveries: counters.redeliveries + counters.dedupeHits,
    perConsumer,
    ok: failures.length === 0,
    runId: input.runId,
    topic: input.topic,
    group: input.group,
    ordering: options.ordering,
    partitions: options.partitions,
    keys: options.keys,
    consumers: options.consumers,
    orderViolationsPolicy: options.ordering === 'key' ? 'required-zero' : 'counted-only',
    redeliveriesApplied: counters.redeliveries,
    dedupeHits: counters.dedupeHits,
    kills: input.kills,
    failures,
    warnings,
    redis: input.redis,
    redisOwned: input.redisOwned,
    durationMs: input.durationMs,
  };
}

/** The human-readable report. */
export function renderSummary(summary: DemoSummary): string {
  const row = (label: string, value: string | number, note = '') =>
    `  ${label.padEnd(18)}${String(value).padStart(8)}${note ? `   ${note}` : ''}`;
  const lines = [
    '',
    `redstream demo report  (run ${summary.runId}, topic ${summary.topic}, group ${summary.group}, ordering ${summary.ordering}, ${summary.partitions} partitions, ${summary.keys} keys)`,
    row('published', summary.published),
    row('handled', summary.handled),
    row('duplicates', summary.duplicates),
    row('lost', summary.lost),
    row(
      'order violations',
      summary.orderViolations,
      summary.orderViolationsPolicy === 'counted-only'
        ? 'ordering none: counted, not required to be 0 (no per-key order promise)'
        : '',
    ),
    row(
      'redeliveries',
      summary.redeliveries,
      `${summary.redeliveriesApplied} applied on a later delivery, ${summary.dedupeHits} skipped by the dedupe marker`,
    ),
    '  per consumer',
    ...Object.entries(summary.perConsumer).map(([name, count]) => row(`    ${name}`, count)),
  ];
  for (const kill of summary.kills) {
    lines.push(
      `  killed ${kill.consumer} (SIGKILL) at ${kill.atHandled} handled; ${
        kill.downMs === null
          ? 'its replacement never got ready'
          : `replaced under the same name, ready after ${(kill.downMs / 1000).toFixed(1)} s`
      }`,
    );
  }
  lines.push(`  duration ${(summary.durationMs / 1000).toFixed(1)} s, Redis ${summary.redis}`);
  for (const warning of summary.warnings) lines.push(`  warning: ${warning}`);
  lines.push(
    summary.ok
      ? `PASS: every published event was handled exactly once${summary.ordering === 'key' ? ', in order per key' : ''}.`
      : `FAIL: ${summary.failures.join('; ')}.`,
  );
  return `${lines.join('\n')}\n`;
}
