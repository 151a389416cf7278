import { describe, expect, it } from 'vitest';
import type { BenchRow } from './bench-row.js';
import { plotsFor } from './plots.js';
import { barChart, escapeXml, lineChart, niceTicks } from './svg-chart.js';
import { scaleFacts } from './text-table.js';

function row(scenario: string, extra: Partial<BenchRow> = {}): BenchRow {
  return {
    scenario,
    system: 'redstream',
    events: 1000,
    eventsPerSec: 100,
    p50Ms: null,
    p99Ms: null,
    peakRssMb: 90,
    rounds: 1,
    samples: [100],
    ...extra,
  };
}

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten and reaches the maximum', () => {
    expect(niceTicks(0, 91.2)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(niceTicks(0, 0.37)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(0, 0)).toEqual([0, 1]);
  });
});

describe('lineChart and barChart', () => {
  const spec = {
    title: 'CPU <per> event',
    xLabel: 'partitions',
    yLabel: 'us',
    categories: ['8', '64', '512'],
    series: [
      { name: 'consumer', values: [10, 20, 40] },
      { name: 'Redis & co', values: [5, null, 8] },
    ],
  };

  it('draws a self-contained SVG: a path per series, a point per value, escaped text', () => {
    const svg = lineChart(spec);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/<script|href=/);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(5);
    expect(svg).toContain('<title>CPU &#60;per&#62; event</title>');
    expect(svg).toContain('Redis &#38; co');
    // The gap at the missing value breaks the line: the second path starts twice (M ... M).
    const second = /<path d="([^"]+)" fill="none" stroke="#d62728"/.exec(svg)![1]!;
    expect(second.match(/M/g)).toHaveLength(2);
    expect(second).not.toContain('L');
  });

  it('puts the highest value at the top tick and zero on the axis', () => {
    const svg = lineChart({ ...spec, series: [{ name: 'a', values: [0, 50, 100] }] });
    const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    // Plot area: top 40, bottom 310 (height 360 minus margins 40 and 50).
    expect(ys).toEqual([310, 175, 40]);
  });

  it('draws one bar per measured value, from the axis up', () => {
    const svg = barChart(spec);
    const bars = [
      ...svg.matchAll(
        /<rect class="bar" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"/g,
      ),
    ];
    expect(bars).toHaveLength(5);
    for (const [, y, height] of bars) expect(Number(y) + Number(height)).toBeCloseTo(310, 0);
  });

  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe(
      '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;',
    );
  });
});

describe('plotsFor', () => {
  it('plots each scale row group this run measured, and nothing for the others', () => {
    expect(plotsFor([row('produce')])).toEqual([]);
    const rows = [
      row('partitions', { partitions: 8, cpuUsPerEvent: 30, redisCpuUsPerEvent: 5, memory: {} }),
      row('partitions', { partitions: 64, cpuUsPerEvent: 40, redisCpuUsPerEvent: 6, memory: {} }),
      row('partitions', { partitions: 64, cpuUsPerEvent: 77, redisCpuUsPerEvent: 9, p99Ms: 3 }),
      row('replicas', { replicas: 1, partitions: 64, redisCpuMsPerSec: 5, assignMs: 300 }),
      row('payload', { variant: 'produce 200 B', mbPerSec: 10 }),
      row('payload', { system: 'ioredis-raw', variant: 'produce 200 B', mbPerSec: 12 }),
      row('payload', { variant: 'consume 4 KiB', mbPerSec: 100 }),
      row('cluster', { variant: 'produce, single', server: 'single' }),
      row('cluster', { variant: 'latency 5,000/s, single', server: 'single', p99Ms: 3 }),
    ];
    const plots = plotsFor(rows);
    expect(plots.map((plot) => plot.file)).toEqual([
      'partitions-cpu.svg',
      'partitions-throughput.svg',
      'partitions-latency.svg',
      'partitions-memory.svg',
      'replicas-idle-cpu.svg',
      'replicas-rebalance.svg',
      'payload-mbps.svg',
      'payload-events.svg',
      'cluster-throughput.svg',
      'cluster-latency.svg',
    ]);
    const cpu = plots.find((plot) => plot.file === 'partitions-cpu.svg')!.svg;
    // Two burst series of two points, two paced series of one point (8 was not paced here).
    expect(cpu.match(/<circle /g)).toHaveLength(6);
    const payload = plots.find((plot) => plot.file === 'payload-mbps.svg')!.svg;
    for (const name of ['redstream produce', 'ioredis-raw produce', 'redstream consume'])
      expect(payload).toContain(`>${name}</text>`);
    expect(payload).toContain('>4 KiB</text>');
  });
});

describe('scaleFacts', () => {
  it('lists the scale measures a row carries', () => {
    expect(scaleFacts(row('produce'))).toEqual([]);
    expect(
      scaleFacts(
        row('replicas', {
          redisCpuMsPerSec: 5.123,
          redisCallsPerSec: 680.4,
          clientCpuMsPerSec: 43.3,
          assignMs: 256,
          rebalanceMs: 56,
          handoverMs: 1027,
        }),
      ),
    ).toEqual([
      'Redis 5.12 ms CPU/s idle',
      '680 commands/s',
      'replicas 43.3 ms CPU/s',
      'assigned in 256 ms',
      '56 ms after the last joined',
      'handover 1027 ms',
    ]);
    expect(scaleFacts(row('payload', { mbPerSec: 147.84 }))).toEqual(['147.8 MB/s']);
  });
});
