import type { ConsumerInfo, GroupLag, PartitionLag } from '@redstream/stream-client';
import { formatDurationMs } from './format.js';
import { renderTable } from './table.js';

type LagRow = Omit<PartitionLag, 'partition'> & { partition: number | 'TOTAL' };

/** One line per partition of a group's lag; with `totals`, a TOTAL line at the end. */
export function renderLagTable(lag: GroupLag, options: { totals: boolean }): string {
  const rows: LagRow[] = [...lag.partitions];
  if (options.totals)
    rows.push({
      partition: 'TOTAL',
      lag: lag.totals.lag,
      lagExact: lag.partitions.every((row) => row.lagExact),
      pending: lag.totals.pending,
      lagSeconds: lag.totals.maxLagSeconds,
      oldestPendingAgeMs: maxOrNull(lag.partitions.map((row) => row.oldestPendingAgeMs)),
      lastDeliveredId: '',
      retryPending: lag.totals.retryPending,
      owner: null,
      epoch: null,
      consumers: [],
    });
  return renderTable(rows, [
    { header: 'PARTITION', value: (row) => row.partition, align: 'right' },
    { header: 'LAG', value: (row) => `${row.lagExact ? '' : '>='}${row.lag}`, align: 'right' },
    { header: 'LAG AGE', value: (row) => formatDurationMs(row.lagSeconds * 1000), align: 'right' },
    { header: 'PENDING', value: (row) => row.pending },
    {
      header: 'OLDEST PENDING',
      value: (row) => formatDurationMs(row.oldestPendingAgeMs),
      align: 'right',
    },
    { header: 'RETRYING', value: (row) => row.retryPending },
    { header: 'OWNER', value: (row) => (row.owner ? `${row.owner}@${row.epoch}` : null) },
    { header: 'LAST DELIVERED', value: (row) => row.lastDeliveredId },
    { header: 'CONSUMERS', value: (row) => formatConsumers(row.consumers) },
  ]);
}

/** `c1 (2 pending, idle 1.2s), c2 (0 pending, idle 3m 5s)`. */
export function formatConsumers(consumers: readonly ConsumerInfo[]): string {
  return consumers
    .map((c) => `${c.name} (${c.pending} pending, idle ${formatDurationMs(c.idleMs)})`)
    .join(', ');
}

/** `lag 15 entries (oldest 12.0s), 5 pending` for a group heading. */
export function summarizeLag(lag: GroupLag): string {
  const retry = lag.totals.retryPending > 0 ? `, ${lag.totals.retryPending} retrying` : '';
  return `lag ${lag.totals.lag} entries (oldest ${formatDurationMs(lag.totals.maxLagSeconds * 1000)}), ${lag.totals.pending} pending${retry}`;
}

function maxOrNull(values: Array<number | null>): number | null {
  const present = values.filter((value): value is number => value !== null);
  return present.length > 0 ? Math.max(...present) : null;
}
