import type { DeadLetter } from '@redstream/stream-client';
import { formatTimestamp, truncate } from './format.js';
import { renderTable } from './table.js';

export function renderDeadLetterTable(deadLetters: readonly DeadLetter[]): string {
  return renderTable(deadLetters, [
    { header: 'PARTITION', value: (d) => d.partition },
    { header: 'ID', value: (d) => d.id },
    { header: 'FAILED AT', value: (d) => formatTimestamp(d.failedAt) },
    { header: 'REASON', value: (d) => d.reason },
    { header: 'ATTEMPTS', value: (d) => d.attempts },
    { header: 'GROUP', value: (d) => d.group },
    { header: 'TYPE', value: (d) => d.event?.type ?? '<undecodable>' },
    { header: 'KEY', value: (d) => d.event?.key ?? null },
    { header: 'ERROR', value: (d) => truncate(d.error, 60) },
  ]);
}
