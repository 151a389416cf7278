import { describe, expect, it } from 'vitest';
import type { BenchRow } from './bench-row.js';
import { type BenchReport, machineFacts, serializeReport } from './json-report.js';
import { addThroughputRatios, checkTargets } from './targets.js';
import { formatTable, formatTargets } from './text-table.js';

function row(scenario: string, system: string, extra: Partial<BenchRow> = {}): BenchRow {
  return {
    scenario,
    system,
    events: 1000,
    eventsPerSec: 100,
    p50Ms: null,
    p99Ms: null,
    peakRssMb: 90,
    rounds: 3,
    samples: [100, 100, 100],
    ...extra,
  };
}

const rows: BenchRow[] = [
  row('produce', 'redstream', { eventsPerSec: 140, redisBytesPerEvent: 300 }),
  row('produce', 'ioredis-raw', { eventsPerSec: 100 }),
  row('produce', 'redstream', {
    variant: 'explicit ids',
    eventsPerSec: 105,
    redisBytesPerEvent: 465,
  }),
  row('consume-none', 'redstream', { eventsPerSec: 70, ordering: 'none', peakRssMb: 160 }),
  row('consume-none', 'ioredis-raw', { eventsPerSec: 100 }),
  row('consume-none', 'bullmq', { eventsPerSec: 10 }),
  row('consume-key', 'redstream', { eventsPerSec: 61, ordering: 'key' }),
  row('consume-key', 'ioredis-raw', { eventsPerSec: 100 }),
  row('latency', 'redstream', { p50Ms: 1, p99Ms: 4.5, maxMs: 9 }),
  row('latency', 'ioredis-raw', { p50Ms: 1, p99Ms: 3, maxMs: 9 }),
  row('ingest-http', 'redstream-direct', { variant: 'batches of 100', eventsPerSec: 100 }),
  row('ingest-http', 'redstream-http', { variant: 'batches of 100', eventsPerSec: 45 }),
  row('codec', 'plain-json', { nsPerOp: 1000, peakRssMb: null }),
  row('codec', 'redstream-json', { nsPerOp: 1600, peakRssMb: null }),
];

describe('checkTargets', () => {
  it('checks every target of the issue whose rows were measured', () => {
    const checks = checkTargets(rows);
    expect(checks.map((check) => [check.name, check.pass, check.display])).toEqual([
      ['produce: redstream >= 1.3 x ioredis-raw', true, '1.40x'],
      ['consume-none: redstream >= 1 x ioredis-raw', false, '0.70x'],
      ['consume-none: redstream >= 5 x bullmq', true, '7.00x'],
      ['consume-key: redstream >= 0.85 x ioredis-raw', false, '0.61x'],
      ['idempotent publish (explicit ids) >= 0.8 x plain publish', false, '0.75x'],
      ['idempotence marker: Redis memory per event <= 64 B', false, '165 B'],
      ['ingest-http: the HTTP gateway >= 0.5 x direct publishMany', false, '0.45x'],
      [
        "latency at 5,000/s: redstream p99 <= 1.3 x ioredis-raw's p99",
        false,
        '1.50x (4.50 against 3.00 ms)',
      ],
      ['latency at 5,000/s: redstream p99 <= 2 ms (on a quiet machine)', false, '4.50 ms'],
      ['redstream consumer peak RSS <= 100 MB in every scenario', false, '160 MB'],
      ['codec: redstream JSON encode+decode <= 1.5 x plain JSON cost', false, '1.60x'],
    ]);
  });

  it('leaves out targets whose rows are missing', () => {
    expect(checkTargets([rows[0]!])).toEqual([]);
    expect(formatTargets([])).toMatch(/No target/);
  });
});

describe('report', () => {
  it('adds ratios to redstream rows and prints them in the table with PASS/MISS lines', () => {
    const copy = structuredClone(rows);
    addThroughputRatios(copy);
    expect(copy[3]!.ratios).toEqual({ 'vs ioredis-raw': 0.7, 'vs bullmq': 7 });
    const table = formatTable(copy);
    expect(table.split('\n')[0]).toMatch(/^\| scenario +\| system +\| variant/);
    expect(table).toContain('0.70x vs ioredis-raw, 7.00x vs bullmq');
    expect(formatTargets(checkTargets(copy))).toMatch(/^PASS {2}produce: redstream >= 1\.3/);
    expect(formatTargets(checkTargets(copy))).toContain('MISS  consume-none');
  });

  it('serializes the shape of the issue, with NaN as null and rounded numbers', () => {
    const report: BenchReport = {
      redis: { version: '7.0.15', source: 'binary' },
      machine: machineFacts(),
      mode: 'quick',
      startedAt: new Date(0).toISOString(),
      durationMs: 1234,
      settings: {},
      rows: [row('produce', 'redstream', { eventsPerSec: 123456.789, p50Ms: Number.NaN })],
      targets: [],
    };
    const parsed = JSON.parse(serializeReport(report));
    expect(parsed.redis.version).toBe('7.0.15');
    expect(parsed.machine.cores).toBeGreaterThan(0);
    expect(parsed.rows[0]).toMatchObject({
      scenario: 'produce',
      system: 'redstream',
      events: 1000,
      eventsPerSec: 123457,
      p50Ms: null,
      p99Ms: null,
      peakRssMb: 90,
    });
  });
});
