import { formatRate } from '../progress.js';
import type { BenchRow } from './bench-row.js';
import type { TargetCheck } from './targets.js';

const HEADERS = [
  'scenario',
  'system',
  'variant',
  'events',
  'events/s',
  'p50 ms',
  'p99 ms',
  'max ms',
  'peak RSS MB',
  'CPU us/ev',
  'Redis us/ev',
  'compared',
];
const RIGHT_ALIGNED = new Set([3, 4, 5, 6, 7, 8, 9, 10]);

/** The result table as Markdown (readable in a terminal, pasteable into docs/performance.md). */
export function formatTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((row) => [
    row.scenario,
    row.system,
    row.variant ?? (row.ordering ? `ordering ${row.ordering}` : ''),
    row.events.toLocaleString('en-US'),
    formatRate(row.eventsPerSec),
    fixed(row.p50Ms, 2),
    fixed(row.p99Ms, 2),
    fixed(row.maxMs ?? null, 1),
    fixed(row.peakRssMb, 0),
    fixed(row.cpuUsPerEvent ?? null, 1),
    fixed(row.redisCpuUsPerEvent ?? null, 1),
    compared(row),
  ]);
  const widths = HEADERS.map((header, column) =>
    Math.max(header.length, ...cells.map((line) => line[column]!.length)),
  );
  const render = (line: string[]) =>
    `| ${line.map((cell, column) => (RIGHT_ALIGNED.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (RIGHT_ALIGNED.has(column) ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [render(HEADERS), rule, ...cells.map(render)].join('\n');
}

export function formatTargets(checks: readonly TargetCheck[]): string {
  if (checks.length === 0) return 'No target was measured in this run.';
  return checks
    .map((check) => `${check.pass ? 'PASS' : 'MISS'}  ${check.name}: ${check.display}`)
    .join('\n');
}

function compared(row: BenchRow): string {
  const parts: string[] = [];
  if (row.scalingFactor !== undefined) parts.push(`${row.scalingFactor.toFixed(2)}x of 1 consumer`);
  for (const [name, value] of Object.entries(row.ratios ?? {}))
    parts.push(`${value.toFixed(2)}x ${name}`);
  parts.push(...scaleFacts(row));
  if (row.notes) parts.push(...row.notes);
  return parts.join(', ');
}

/** The scale rows' own measures (issue 19), shortest first: MB/s, idle CPU, rebalances, memory. */
export function scaleFacts(row: BenchRow): string[] {
  const parts: string[] = [];
  if (row.mbPerSec !== undefined) parts.push(`${row.mbPerSec.toFixed(1)} MB/s`);
  if (row.redisCpuMsPerSec !== undefined)
    parts.push(`Redis ${row.redisCpuMsPerSec.toFixed(2)} ms CPU/s idle`);
  if (row.redisCallsPerSec !== undefined)
    parts.push(`${row.redisCallsPerSec.toFixed(0)} commands/s`);
  if (row.redisCommandsPerSec) parts.push(`top: ${topCommands(row.redisCommandsPerSec, 3)}`);
  if (row.clientCpuMsPerSec !== undefined)
    parts.push(`replicas ${row.clientCpuMsPerSec.toFixed(1)} ms CPU/s`);
  if (row.assignMs !== undefined) parts.push(`assigned in ${row.assignMs.toFixed(0)} ms`);
  if (row.rebalanceMs !== undefined)
    parts.push(`${row.rebalanceMs.toFixed(0)} ms after the last joined`);
  if (row.handoverMs !== undefined) parts.push(`handover ${row.handoverMs.toFixed(0)} ms`);
  const reads = row.redisCallsPerEvent?.xreadgroup;
  if (row.scenario === 'partitions' && reads)
    parts.push(`${(1 / reads).toFixed(1)} events per XREADGROUP`);
  if (row.scenario === 'partitions' && row.redisCallsPerEvent && !row.memory)
    parts.push(`Redis calls/event: ${topCommands(row.redisCallsPerEvent, 4, '')}`);
  const memory = row.memory;
  if (memory) {
    const bytes = (name: string) =>
      memory[name] === undefined ? '-' : `${memory[name]!.toFixed(0)} B`;
    parts.push(
      `Redis memory per partition and group: stream ${bytes('streamPerPartition')}, lease ${bytes('leasePerPartitionGroup')}, epoch ${bytes('epochPerPartitionGroup')}; used_memory +${((memory.usedMemoryGroup ?? Number.NaN) / 1024).toFixed(0)} KiB for the group (its connections included)`,
    );
    if (memory.publishMarkerPerEvent !== undefined)
      parts.push(
        `markers ${bytes('publishMarkerPerEvent')}/publish, ${bytes('doneMarkerPerEvent')}/done`,
      );
  }
  return parts;
}

function fixed(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

/** `xreadgroup 120, evalsha 64`: the `count` commands with the most calls, rounded. */
export function topCommands(rates: Record<string, number>, count: number, unit = '/s'): string {
  return Object.entries(rates)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, rate]) => `${name} ${unit ? rate.toFixed(0) : rate.toFixed(2)}${unit}`)
    .join(', ');
}
