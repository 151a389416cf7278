import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../src/report/json-report.js';

const run = promisify(execFile);
const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(packageDir, '..', '..', 'node_modules', '.bin', 'tsc');
const workDir = mkdtempSync(join(tmpdir(), 'redstream-bench-test-'));

/**
 * The bench end to end on its own Redis: worker processes run from dist, so the package is
 * compiled first (its dependencies' dist comes from the workspace build).
 */
describe('pnpm bench (tiny run)', () => {
  let report: BenchReport;
  let stdout: string;
  let stderr: string;

  beforeAll(async () => {
    await run(tsc, ['-p', 'tsconfig.build.json'], { cwd: packageDir });
    const out = join(workDir, 'bench.json');
    ({ stdout, stderr } = await run(
      process.execPath,
      [
        'dist/main.js',
        '--quick',
        '--scenario',
        'produce,consume-none',
        '--events',
        '2000',
        '--rounds',
        '1',
        '--out',
        out,
      ],
      { cwd: packageDir, timeout: 110_000, maxBuffer: 1 << 22 },
    ));
    report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
  }, 120_000);

  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('writes the JSON shape of the issue', () => {
    expect(report.redis.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.mode).toBe('quick');
    expect(report.machine.cores).toBeGreaterThan(0);
    for (const row of report.rows) {
      expect(Object.keys(row)).toEqual(
        expect.arrayContaining([
          'scenario',
          'system',
          'events',
          'eventsPerSec',
          'p50Ms',
          'p99Ms',
          'peakRssMb',
        ]),
      );
      expect(row.events).toBe(2000);
      expect(row.eventsPerSec).toBeGreaterThan(0);
      expect(row.samples).toHaveLength(1);
    }
  });

  it('measures every system of the scenarios it ran, each event handled once', () => {
    const systems = report.rows.map((row) => `${row.scenario}/${row.system}`);
    expect(systems).toEqual(
      expect.arrayContaining([
        'produce/redstream',
        'produce/ioredis-raw',
        'produce/bullmq',
        'consume-none/redstream',
        'consume-none/ioredis-raw',
        'consume-none/bullmq',
      ]),
    );
    const consumers = report.rows.filter((row) => row.scenario === 'consume-none');
    for (const row of consumers) {
      expect(row.notes ?? []).toEqual([]);
      expect(row.peakRssMb).toBeGreaterThan(10);
    }
  });

  it('prints progress on stderr and the table with target lines on stdout', () => {
    expect(stderr).toMatch(/produce round 1\/1 redstream: [\d,]+ events\/s/);
    expect(stdout).toMatch(/\| consume-none \| redstream/);
    expect(stdout).toMatch(/(PASS|MISS) {2}consume-none: redstream >= 1 x ioredis-raw/);
    expect(report.targets.map((target) => target.name)).toContain(
      'produce: redstream >= 1.3 x ioredis-raw',
    );
  });
});
