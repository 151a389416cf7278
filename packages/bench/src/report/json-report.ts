import { cpus, loadavg } from 'node:os';
import type { BenchRow } from './bench-row.js';
import type { TargetCheck } from './targets.js';

/** The `--out` file: `{ redis: { version }, rows: [...] }` plus how and where it ran. */
export interface BenchReport {
  redis: { version: string; source: string };
  machine: {
    cores: number;
    cpu: string;
    node: string;
    platform: string;
    /** 1-minute load average when the run started and when it ended: how busy the machine was. */
    loadAverage: { start: number; end: number };
  };
  mode: 'quick' | 'full';
  startedAt: string;
  durationMs: number;
  settings: Record<string, unknown>;
  rows: BenchRow[];
  targets: TargetCheck[];
}

export function machineFacts(loadAtStart = currentLoad()): BenchReport['machine'] {
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: { start: loadAtStart, end: currentLoad() },
  };
}

/** The 1-minute load average (0 where the platform has none). */
export function currentLoad(): number {
  return loadavg()[0] ?? 0;
}

/** JSON with numbers rounded to what a benchmark can tell (3 significant decimals at most). */
export function serializeReport(report: BenchReport): string {
  return `${JSON.stringify(report, (_key, value) => (typeof value === 'number' && !Number.isInteger(value) ? roundNumber(value) : value), 2)}\n`;
}

function roundNumber(value: number): number | null {
  if (!Number.isFinite(value)) return null;
  const magnitude = Math.abs(value);
  const digits = magnitude >= 1000 ? 0 : magnitude >= 10 ? 2 : 3;
  return Number(value.toFixed(digits));
}
