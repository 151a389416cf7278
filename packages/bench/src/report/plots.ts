import type { BenchRow } from './bench-row.js';
import { barChart, type ChartSeries, lineChart } from './svg-chart.js';

export interface Plot {
  /** File name, written into the `--plots` directory. */
  file: string;
  svg: string;
}

/**
 * The plots of the scale rows (issue 19) that this run measured: a curve or bar group per
 * row group, for docs/performance.md. Rows of other scenarios have none.
 */
export function plotsFor(rows: readonly BenchRow[]): Plot[] {
  return [
    ...partitionPlots(rows),
    ...replicaPlots(rows),
    ...payloadPlots(rows),
    ...clusterPlots(rows),
  ];
}

function partitionPlots(rows: readonly BenchRow[]): Plot[] {
  // The burst rows carry the memory probe; the paced rows (a fixed rate) a latency.
  const group = rows.filter((row) => row.scenario === 'partitions' && row.memory);
  if (group.length === 0) return [];
  const categories = group.map((row) => String(row.partitions));
  const paced = group.map((row) =>
    rows.find((r) => r.scenario === 'partitions' && !r.memory && r.partitions === row.partitions),
  );
  const memory = (name: string) => ({
    name,
    values: group.map((row) => row.memory?.[MEMORY_FIELDS[name]!] ?? null),
  });
  return [
    {
      file: 'partitions-cpu.svg',
      svg: lineChart({
        title: 'consume-key: CPU per event by partition count',
        xLabel: 'partitions (1 consumer)',
        yLabel: 'us of CPU per event',
        categories,
        series: [
          { name: 'consumer, burst', values: group.map((row) => row.cpuUsPerEvent ?? null) },
          { name: 'Redis, burst', values: group.map((row) => row.redisCpuUsPerEvent ?? null) },
          { name: 'consumer, 5,000/s', values: paced.map((row) => row?.cpuUsPerEvent ?? null) },
          { name: 'Redis, 5,000/s', values: paced.map((row) => row?.redisCpuUsPerEvent ?? null) },
        ],
      }),
    },
    {
      file: 'partitions-throughput.svg',
      svg: lineChart({
        title: 'consume-key: events/s by partition count',
        xLabel: 'partitions (same events, 1 consumer)',
        yLabel: 'events/s',
        categories,
        series: [{ name: 'redstream', values: group.map((row) => row.eventsPerSec) }],
      }),
    },
    {
      file: 'partitions-latency.svg',
      svg: lineChart({
        title: 'consume-key at 5,000 events/s: latency by partition count',
        xLabel: 'partitions (1 producer, 1 consumer)',
        yLabel: 'ms, publish to handler start',
        categories,
        series: [
          { name: 'p50', values: paced.map((row) => row?.p50Ms ?? null) },
          { name: 'p99', values: paced.map((row) => row?.p99Ms ?? null) },
        ],
      }),
    },
    {
      file: 'partitions-memory.svg',
      svg: barChart({
        title: 'Redis memory per key (MEMORY USAGE)',
        xLabel: 'partitions',
        yLabel: 'bytes per partition and group, or per event',
        categories,
        series: Object.keys(MEMORY_FIELDS).map(memory),
      }),
    },
  ];
}

/** MEMORY USAGE per key kind (used_memory deltas carry the member's connections: not plotted). */
const MEMORY_FIELDS: Record<string, string> = {
  'stream (1 group)': 'streamPerPartition',
  lease: 'leasePerPartitionGroup',
  epoch: 'epochPerPartitionGroup',
  'publish marker': 'publishMarkerPerEvent',
  'done marker': 'doneMarkerPerEvent',
};

function replicaPlots(rows: readonly BenchRow[]): Plot[] {
  const group = rows.filter((row) => row.scenario === 'replicas' && row.replicas);
  if (group.length === 0) return [];
  const categories = group.map((row) => String(row.replicas));
  const partitions = group[0]!.partitions;
  return [
    {
      file: 'replicas-idle-cpu.svg',
      svg: lineChart({
        title: 'Idle ordered group: CPU per second',
        xLabel: `idle replicas (${partitions} partitions, heartbeat 1 s)`,
        yLabel: 'ms of CPU per second',
        categories,
        series: [
          { name: 'Redis', values: group.map((row) => row.redisCpuMsPerSec ?? null) },
          { name: 'all replicas', values: group.map((row) => row.clientCpuMsPerSec ?? null) },
        ],
      }),
    },
    {
      file: 'replicas-rebalance.svg',
      svg: lineChart({
        title: 'Rebalance time by replica count',
        xLabel: `replicas (${partitions} partitions, heartbeat 1 s)`,
        yLabel: 'ms',
        categories,
        series: [
          { name: 'spawn to assigned', values: group.map((row) => row.assignMs ?? null) },
          { name: 'last joined to assigned', values: group.map((row) => row.rebalanceMs ?? null) },
          { name: 'one leaves: handover', values: group.map((row) => row.handoverMs ?? null) },
        ],
      }),
    },
  ];
}

function payloadPlots(rows: readonly BenchRow[]): Plot[] {
  const group = rows.filter((row) => row.scenario === 'payload' && row.variant);
  if (group.length === 0) return [];
  const sizeOf = (row: BenchRow) => row.variant!.split(' ').slice(1).join(' ');
  const categories = [...new Set(group.map(sizeOf))];
  const series = (value: (row: BenchRow) => number | null): ChartSeries[] => {
    const names = [...new Set(group.map((row) => `${row.system} ${row.variant!.split(' ')[0]}`))];
    return names.map((name) => ({
      name,
      values: categories.map((size) => {
        const row = group.find(
          (r) => `${r.system} ${r.variant!.split(' ')[0]}` === name && sizeOf(r) === size,
        );
        return row ? value(row) : null;
      }),
    }));
  };
  return [
    {
      file: 'payload-mbps.svg',
      svg: lineChart({
        title: 'Payload size: MB/s',
        xLabel: 'payload JSON per event',
        yLabel: 'MB of payload per second',
        categories,
        series: series((row) => row.mbPerSec ?? null),
      }),
    },
    {
      file: 'payload-events.svg',
      svg: lineChart({
        title: 'Payload size: events/s',
        xLabel: 'payload JSON per event',
        yLabel: 'events/s',
        categories,
        series: series((row) => row.eventsPerSec),
      }),
    },
  ];
}

function clusterPlots(rows: readonly BenchRow[]): Plot[] {
  const group = rows.filter((row) => row.scenario === 'cluster' && row.server);
  if (group.length === 0) return [];
  const servers = [...new Set(group.map((row) => row.server!))];
  const workloadOf = (row: BenchRow) => row.variant!.split(',')[0]!;
  const find = (workload: string, server: string) =>
    group.find((row) => workloadOf(row) === workload && row.server === server);
  const throughput = ['produce', 'consume-key'];
  return [
    {
      file: 'cluster-throughput.svg',
      svg: barChart({
        title: 'Single Redis vs Redis Cluster: throughput',
        xLabel: 'workload (8 partitions)',
        yLabel: 'events/s',
        categories: throughput,
        series: servers.map((server) => ({
          name: server,
          values: throughput.map((w) => find(w, server)?.eventsPerSec ?? null),
        })),
      }),
    },
    {
      file: 'cluster-latency.svg',
      svg: barChart({
        title: 'Single Redis vs Redis Cluster: latency at 5,000/s',
        xLabel: 'publish to handler start',
        yLabel: 'ms',
        categories: ['p50', 'p99'],
        series: servers.map((server) => {
          const row = find('latency 5,000/s', server);
          return { name: server, values: [row?.p50Ms ?? null, row?.p99Ms ?? null] };
        }),
      }),
    },
  ];
}
