import { ratio } from '../stats.js';
import type { BenchRow } from './bench-row.js';

export interface TargetCheck {
  /** e.g. `consume-none: redstream >= 0.8 x ioredis-raw`. */
  name: string;
  actual: number;
  /** How `actual` reads: `0.93x`, `3.1 ms`, `92 MB`. */
  display: string;
  pass: boolean;
}

const CONSUMER_SCENARIOS = new Set(['consume-none', 'consume-key', 'scale', 'latency']);

/**
 * The targets of the performance issues (ratios of medians within this run; issue 19's
 * supersede the first benchmark issue's), the codec's cost bound and the gateway's ratio. A
 * target whose rows were not measured in this run is left out.
 */
export function checkTargets(rows: readonly BenchRow[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  // The plain row of a system (a produce row with a variant is another workload).
  const find = (scenario: string, system: string, variant?: string) =>
    rows.find(
      (row) => row.scenario === scenario && row.system === system && row.variant === variant,
    );
  const throughputRatio = (scenario: string, other: string, minimum: number) => {
    const ours = find(scenario, 'redstream');
    const theirs = find(scenario, other);
    if (!ours || !theirs) return;
    const actual = ratio(ours.eventsPerSec, theirs.eventsPerSec);
    checks.push({
      name: `${scenario}: redstream >= ${minimum} x ${other}`,
      actual,
      display: `${actual.toFixed(2)}x`,
      pass: actual >= minimum,
    });
  };
  throughputRatio('produce', 'ioredis-raw', 1.3);
  throughputRatio('produce', 'redis-benchmark', 0.4);
  throughputRatio('consume-none', 'ioredis-raw', 1.0);
  throughputRatio('consume-none', 'bullmq', 5);
  throughputRatio('consume-key', 'ioredis-raw', 0.85);

  const plainPublish = find('produce', 'redstream');
  const idempotentPublish = find('produce', 'redstream', 'explicit ids');
  if (plainPublish && idempotentPublish) {
    const actual = ratio(idempotentPublish.eventsPerSec, plainPublish.eventsPerSec);
    checks.push({
      name: 'idempotent publish (explicit ids) >= 0.8 x plain publish',
      actual,
      display: `${actual.toFixed(2)}x`,
      pass: actual >= 0.8,
    });
    if (
      plainPublish.redisBytesPerEvent !== undefined &&
      idempotentPublish.redisBytesPerEvent !== undefined
    ) {
      const markerBytes = idempotentPublish.redisBytesPerEvent - plainPublish.redisBytesPerEvent;
      checks.push({
        name: 'idempotence marker: Redis memory per event <= 64 B',
        actual: markerBytes,
        display: `${markerBytes.toFixed(0)} B`,
        pass: markerBytes <= 64,
      });
    }
  }

  const direct = rows.find(
    (row) => row.scenario === 'ingest-http' && row.system === 'redstream-direct',
  );
  const gateway = rows.find(
    (row) => row.scenario === 'ingest-http' && row.system === 'redstream-http',
  );
  if (direct && gateway) {
    const actual = ratio(gateway.eventsPerSec, direct.eventsPerSec);
    checks.push({
      name: 'ingest-http: the HTTP gateway >= 0.5 x direct publishMany',
      actual,
      display: `${actual.toFixed(2)}x`,
      pass: actual >= 0.5,
    });
  }

  const latency = find('latency', 'redstream');
  const rawLatency = find('latency', 'ioredis-raw');
  if (latency?.p99Ms != null) {
    if (rawLatency?.p99Ms != null) {
      const actual = latency.p99Ms / rawLatency.p99Ms;
      checks.push({
        name: "latency at 5,000/s: redstream p99 <= 1.3 x ioredis-raw's p99",
        actual,
        display: `${actual.toFixed(2)}x (${latency.p99Ms.toFixed(2)} against ${rawLatency.p99Ms.toFixed(2)} ms)`,
        pass: actual <= 1.3,
      });
    }
    checks.push({
      name: 'latency at 5,000/s: redstream p99 <= 2 ms (on a quiet machine)',
      actual: latency.p99Ms,
      display: `${latency.p99Ms.toFixed(2)} ms`,
      pass: latency.p99Ms <= 2,
    });
  }

  const consumerRss = rows
    .filter((row) => row.system === 'redstream' && CONSUMER_SCENARIOS.has(row.scenario))
    .map((row) => row.peakRssMb)
    .filter((value): value is number => value !== null);
  if (consumerRss.length > 0) {
    const worst = Math.max(...consumerRss);
    checks.push({
      name: 'redstream consumer peak RSS <= 100 MB in every scenario',
      actual: worst,
      display: `${worst.toFixed(0)} MB`,
      pass: worst <= 100,
    });
  }

  const json = find('codec', 'redstream-json');
  const plain = find('codec', 'plain-json');
  if (json?.nsPerOp !== undefined && plain?.nsPerOp !== undefined) {
    const actual = json.nsPerOp / plain.nsPerOp;
    checks.push({
      name: 'codec: redstream JSON encode+decode <= 1.5 x plain JSON cost',
      actual,
      display: `${actual.toFixed(2)}x`,
      pass: actual <= 1.5,
    });
  }
  return checks;
}

/** Adds `ratios` (redstream over each other system, same scenario and variant) to redstream rows. */
export function addThroughputRatios(rows: BenchRow[]): void {
  for (const row of rows) {
    if (!row.system.startsWith('redstream') || row.eventsPerSec === null) continue;
    if (row.scenario === 'scale' || row.scenario === 'latency' || row.scenario === 'codec')
      continue;
    // Rows of one scenario that carry variants (payload sizes) compare within a variant only;
    // a redstream row's `ordering` label is not a variant (the raw rows have none).
    const others = rows.filter(
      (other) =>
        other.scenario === row.scenario &&
        other.system !== row.system &&
        other.variant === row.variant &&
        other.eventsPerSec,
    );
    if (others.length === 0) continue;
    row.ratios = Object.fromEntries(
      others.map((other) => [`vs ${other.system}`, ratio(row.eventsPerSec, other.eventsPerSec)]),
    );
  }
}
