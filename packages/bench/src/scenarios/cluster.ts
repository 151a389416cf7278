import { SHARED_SETTINGS } from '../bench-plan.js';
import { type BenchRedis, startBenchCluster } from '../bench-redis.js';
import { formatRate } from '../progress.js';
import type { BenchRow } from '../report/bench-row.js';
import { runConsumeRound } from '../runner/consume-run.js';
import { runLatencyRound } from '../runner/latency-run.js';
import { runProduceRound } from '../runner/produce-run.js';
import { median, ratio } from '../stats.js';
import type { BenchContext } from './bench-context.js';
import { CONSUME_KEY, noteText } from './consume.js';
import { runInterleaved } from './interleave.js';

type Server = 'single' | 'cluster';
const WORKLOADS = ['produce', 'consume-key', 'latency'] as const;
type Workload = (typeof WORKLOADS)[number];

interface Sample {
  eventsPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  cpuUsPerEvent: number | null;
  redisCpuUsPerEvent: number | null;
  peakRssMb: number;
  notes: string[];
}

/**
 * cluster: the same redstream workloads on the bench's single Redis and on a private Redis
 * Cluster of 3 masters on this machine (no replicas, persistence off), rounds interleaved:
 * produce (publishMany of 1000 to 8 partitions), consume-key (8 partitions, one consumer) and
 * the latency run (one event at a time at 5,000/s, p99 publish-to-handler). On one machine a
 * cluster adds processes and hops, not cores: the rows show what the cluster client costs.
 */
export async function clusterScenario(context: BenchContext): Promise<BenchRow[]> {
  const { masters, events, rounds, latency } = context.plan.cluster;
  context.progress.log(`cluster: starting a Redis Cluster of ${masters} masters`);
  const cluster = await startBenchCluster(masters);
  const label = (server: Server) => (server === 'single' ? 'single' : `cluster of ${masters}`);
  try {
    const servers: Record<Server, BenchRedis> = { single: context.redis, cluster };
    const variants: string[] = [];
    for (const workload of WORKLOADS)
      for (const server of ['single', 'cluster'] as const) variants.push(`${workload}|${server}`);
    const samples = await runInterleaved(variants, rounds, async (variant, round) => {
      const [workload, server] = variant.split('|') as [Workload, Server];
      const on: BenchContext = {
        ...context,
        redis: servers[server],
        plan: { ...context.plan, latency: { ...context.plan.latency, ...latency } },
      };
      const sample = await runWorkload(on, workload, events, `cluster ${workload} ${server}`);
      context.progress.log(
        `cluster round ${round}/${rounds} ${workload} on ${label(server)}: ${formatRate(sample.eventsPerSec)} events/s${sample.p99Ms !== null ? `, p99 ${sample.p99Ms.toFixed(2)} ms` : ''}${noteText(sample)}`,
      );
      return sample;
    });
    const rows = variants.map((variant) => {
      const [workload, server] = variant.split('|') as [Workload, Server];
      return clusterRow(
        workload,
        server === 'single' ? 'single' : `cluster of ${masters} masters`,
        workload === 'latency'
          ? Math.round(
              (context.plan.latency.ratePerSec * (latency.warmupMs + latency.durationMs)) / 1000,
            )
          : events,
        samples.get(variant)!,
      );
    });
    addClusterRatios(rows);
    return rows;
  } finally {
    await cluster.stop();
  }
}

async function runWorkload(
  context: BenchContext,
  workload: Workload,
  events: number,
  label: string,
): Promise<Sample> {
  if (workload === 'produce') {
    const outcome = await runProduceRound(context, {
      system: 'redstream',
      events,
      partitions: SHARED_SETTINGS.keyPartitions,
      label,
    });
    return { ...outcome, p50Ms: null, p99Ms: null, notes: [] };
  }
  if (workload === 'consume-key') {
    const outcome = await runConsumeRound(context, {
      system: 'redstream',
      ordering: 'key',
      partitions: CONSUME_KEY.partitions,
      consumers: 1,
      events,
      maxInFlight: CONSUME_KEY.maxInFlight,
      label,
    });
    return { ...outcome, p50Ms: null, p99Ms: null };
  }
  const outcome = await runLatencyRound(context, 'redstream', label);
  return {
    eventsPerSec: outcome.achievedRate,
    p50Ms: outcome.latency.p50Ms,
    p99Ms: outcome.latency.p99Ms,
    cpuUsPerEvent: null,
    redisCpuUsPerEvent: null,
    peakRssMb: outcome.peakRssMb,
    notes: outcome.notes,
  };
}

/** A row of one workload on one server: medians over the rounds (the latency run's p99 too). */
export function clusterRow(
  workload: Workload,
  server: string,
  events: number,
  list: readonly Sample[],
): BenchRow {
  const notes = [...new Set(list.flatMap((s) => s.notes))];
  const optionalMedian = (values: Array<number | null>) => {
    const present = values.filter((v): v is number => v !== null);
    return present.length > 0 ? median(present) : null;
  };
  const cpu = optionalMedian(list.map((s) => s.cpuUsPerEvent));
  const redisCpu = optionalMedian(list.map((s) => s.redisCpuUsPerEvent));
  return {
    scenario: 'cluster',
    system: 'redstream',
    events,
    eventsPerSec: median(list.map((s) => s.eventsPerSec)),
    p50Ms: optionalMedian(list.map((s) => s.p50Ms)),
    p99Ms: optionalMedian(list.map((s) => s.p99Ms)),
    peakRssMb: Math.max(...list.map((s) => s.peakRssMb)),
    variant: `${workload === 'latency' ? 'latency 5,000/s' : workload}, ${server}`,
    ...(workload === 'consume-key' ? { ordering: 'key' as const } : {}),
    ...(workload === 'latency' ? { ordering: 'none' as const } : {}),
    server,
    ...(cpu !== null ? { cpuUsPerEvent: cpu } : {}),
    ...(redisCpu !== null ? { redisCpuUsPerEvent: redisCpu } : {}),
    rounds: list.length,
    samples: list.map((s) => (workload === 'latency' ? (s.p99Ms ?? Number.NaN) : s.eventsPerSec)),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/**
 * On each cluster row, `vs single`: its events/s over the single server's for the same
 * workload (the latency rows: the single p99 over the cluster's, so above 1 is better too).
 */
export function addClusterRatios(rows: BenchRow[]): void {
  for (const row of rows) {
    if (row.server === 'single') continue;
    const workload = row.variant?.split(',')[0];
    const single = rows.find(
      (other) => other.server === 'single' && other.variant?.split(',')[0] === workload,
    );
    if (!single) continue;
    row.ratios =
      row.p99Ms !== null && single.p99Ms !== null
        ? { 'p99 of single / cluster': ratio(single.p99Ms, row.p99Ms) }
        : { 'vs single': ratio(row.eventsPerSec, single.eventsPerSec) };
  }
}
