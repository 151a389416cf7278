import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../src/report/json-report.js';

const run = promisify(execFile);
const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(packageDir, '..', '..', 'node_modules', '.bin', 'tsc');
const workDir = mkdtempSync(join(tmpdir(), 'redstream-bench-scale-'));

/**
 * Two of the scale rows of issue 19 end to end, small: payload sizes (redstream and the raw
 * loop) and a private 3-master cluster beside the bench's single Redis, with their plots.
 */
describe('pnpm bench --scenario payload,cluster (tiny run)', () => {
  let report: BenchReport;
  const plotsDir = join(workDir, 'plots');

  beforeAll(async () => {
    await run(tsc, ['-p', 'tsconfig.build.json'], { cwd: packageDir });
    const out = join(workDir, 'bench.json');
    await run(
      process.execPath,
      [
        'dist/main.js',
        '--quick',
        '--scenario',
        'payload,cluster',
        '--events',
        '1000',
        '--rounds',
        '1',
        '--out',
        out,
        '--plots',
        plotsDir,
      ],
      { cwd: packageDir, timeout: 150_000, maxBuffer: 1 << 22 },
    );
    report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
  }, 160_000);

  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('measures each payload size both ways for both systems, with MB/s', () => {
    const payload = report.rows.filter((row) => row.scenario === 'payload');
    expect(payload.map((row) => `${row.system} ${row.variant}`)).toEqual(
      expect.arrayContaining([
        'redstream produce 200 B',
        'ioredis-raw produce 200 B',
        'redstream consume 4 KiB',
        'ioredis-raw consume 64 KiB',
      ]),
    );
    expect(payload).toHaveLength(12);
    for (const row of payload) {
      expect(row.eventsPerSec).toBeGreaterThan(0);
      expect(row.mbPerSec).toBeGreaterThan(0);
      expect(row.notes ?? []).toEqual([]);
    }
  });

  it('runs every workload on the single server and on the cluster', () => {
    const cluster = report.rows.filter((row) => row.scenario === 'cluster');
    expect(cluster.map((row) => row.variant)).toEqual([
      'produce, single',
      'produce, cluster of 3 masters',
      'consume-key, single',
      'consume-key, cluster of 3 masters',
      'latency 5,000/s, single',
      'latency 5,000/s, cluster of 3 masters',
    ]);
    for (const row of cluster) expect(row.notes ?? []).toEqual([]);
    expect(cluster[5]!.p99Ms).toBeGreaterThan(0);
    expect(cluster[3]!.ratios?.['vs single']).toBeGreaterThan(0);
  });

  it('writes the plots of both row groups', () => {
    expect(readdirSync(plotsDir).sort()).toEqual([
      'cluster-latency.svg',
      'cluster-throughput.svg',
      'payload-events.svg',
      'payload-mbps.svg',
    ]);
    expect(readFileSync(join(plotsDir, 'payload-mbps.svg'), 'utf8')).toMatch(/^<svg /);
  });
});
