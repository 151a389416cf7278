import { describe, expect, it } from 'vitest';
import type { BenchRow } from '../report/bench-row.js';
import { addThroughputRatios } from '../report/targets.js';
import { addClusterRatios, clusterRow } from './cluster.js';
import { memoryFacts, pacedRow } from './partitions.js';
import { formatBytes, payloadBatches, payloadEvents } from './payload.js';
import { replicasRow } from './replicas.js';

describe('partitions: memoryFacts', () => {
  it('divides used_memory steps per partition and key sums per partition, group or marker', () => {
    const idle = {
      bytes: { stream: 680 * 8, lease: 104 * 8, epoch: 72 * 8, members: 200, pulse: 56 },
      keys: {},
    };
    const busy = { bytes: { pub: 100 * 500, pubw: 36 * 500, done: 60 * 500 }, keys: {} };
    expect(memoryFacts(8, 500, { empty: 1000, topic: 1400, group: 9400 }, idle, busy)).toEqual({
      usedMemoryTopicPerPartition: 50,
      usedMemoryGroup: 8000,
      usedMemoryGroupPerPartition: 1000,
      streamPerPartition: 680,
      leasePerPartitionGroup: 104,
      epochPerPartitionGroup: 72,
      membersPerGroup: 256,
      publishMarkerPerEvent: 136,
      doneMarkerPerEvent: 60,
    });
  });
});

describe('partitions: pacedRow', () => {
  it('takes the median rate and CPU, and the percentiles of the median-p99 round', () => {
    const outcome = (p99Ms: number, cpu: number) => ({
      latency: { count: 100, p50Ms: p99Ms / 10, p99Ms, maxMs: p99Ms * 2 },
      achievedRate: 4990 + p99Ms,
      peakRssMb: 100 + p99Ms,
      consumerCpuUsPerEvent: cpu,
      redisCpuUsPerEvent: cpu / 10,
      redisCallsPerEvent: { xadd: 1, xreadgroup: cpu / 40 },
      notes: [],
    });
    const row = pacedRow(
      '64 partitions',
      [outcome(9, 40), outcome(3, 20), outcome(5, 30)],
      5000,
      7000,
    );
    expect(row).toMatchObject({
      scenario: 'partitions',
      variant: 'key, 64 partitions, 5,000/s',
      partitions: 64,
      events: 35_000,
      eventsPerSec: 4995,
      p50Ms: 0.5,
      p99Ms: 5,
      maxMs: 10,
      peakRssMb: 109,
      cpuUsPerEvent: 30,
      redisCpuUsPerEvent: 3,
      redisCallsPerEvent: { xadd: 1, xreadgroup: 0.75 },
    });
    expect(row.memory).toBeUndefined();
  });
});

describe('replicas: replicasRow', () => {
  it('turns the idle window into rates per second and keeps the rebalance times', () => {
    const row = replicasRow({
      replicas: 8,
      partitions: 64,
      idleMs: 2000,
      redisCpuSeconds: 0.01,
      clientCpuMs: 100,
      redisCalls: 2000,
      commandsPerSec: { evalsha: 64, xreadgroup: 32 },
      assignMs: 3100,
      rebalanceMs: 1000,
      handoverMs: 1900,
      peakRssMb: 90,
    });
    expect(row).toMatchObject({
      scenario: 'replicas',
      system: 'redstream',
      events: 0,
      eventsPerSec: null,
      p50Ms: null,
      p99Ms: null,
      peakRssMb: 90,
      variant: 'key, 8 idle replicas, 64 partitions',
      replicas: 8,
      redisCpuMsPerSec: 5,
      clientCpuMsPerSec: 50,
      redisCallsPerSec: 1000,
      redisCommandsPerSec: { evalsha: 64, xreadgroup: 32 },
      handoverMs: 1900,
    });
    const single = replicasRow({ ...row, replicas: 1, handoverMs: null } as never);
    expect(single.handoverMs).toBeUndefined();
  });
});

describe('payload', () => {
  it('bounds the bytes of a run and keeps batches near 4 MiB (append) and 2 MiB (read)', () => {
    expect(payloadEvents(50_000, 128 * 2 ** 20, 200)).toBe(50_000);
    expect(payloadEvents(50_000, 128 * 2 ** 20, 65_536)).toBe(2048);
    expect(payloadBatches(200)).toEqual({ produceBatch: 1000, readBatch: 500 });
    expect(payloadBatches(4096)).toEqual({ produceBatch: 1000, readBatch: 500 });
    expect(payloadBatches(65_536)).toEqual({ produceBatch: 64, readBatch: 32 });
    expect(payloadBatches(2 ** 22)).toEqual({ produceBatch: 16, readBatch: 16 });
    expect([200, 4096, 65_536].map(formatBytes)).toEqual(['200 B', '4 KiB', '64 KiB']);
  });

  it('compares redstream with the raw loop within one size only', () => {
    const row = (system: string, variant: string, eventsPerSec: number): BenchRow => ({
      scenario: 'payload',
      system,
      events: 1,
      eventsPerSec,
      p50Ms: null,
      p99Ms: null,
      peakRssMb: null,
      variant,
      rounds: 1,
      samples: [],
    });
    const rows = [
      row('redstream', 'produce 200 B', 90),
      row('ioredis-raw', 'produce 200 B', 100),
      row('redstream', 'produce 64 KiB', 3),
      row('ioredis-raw', 'produce 64 KiB', 4),
    ];
    addThroughputRatios(rows);
    expect(rows[0]!.ratios).toEqual({ 'vs ioredis-raw': 0.9 });
    expect(rows[2]!.ratios).toEqual({ 'vs ioredis-raw': 0.75 });
  });
});

describe('cluster', () => {
  const sample = (eventsPerSec: number, p99Ms: number | null = null) => ({
    eventsPerSec,
    p50Ms: p99Ms === null ? null : p99Ms / 4,
    p99Ms,
    cpuUsPerEvent: p99Ms === null ? 10 : null,
    redisCpuUsPerEvent: p99Ms === null ? 2 : null,
    peakRssMb: 100,
    notes: [],
  });

  it('takes medians per workload and server and compares the cluster with the single server', () => {
    const rows = [
      clusterRow('produce', 'single', 1000, [sample(100), sample(120), sample(110)]),
      clusterRow('produce', 'cluster of 3 masters', 1000, [sample(88), sample(99), sample(77)]),
      clusterRow('latency', 'single', 15_000, [sample(5000, 2), sample(5000, 3)]),
      clusterRow('latency', 'cluster of 3 masters', 15_000, [sample(5000, 6)]),
    ];
    addClusterRatios(rows);
    expect(rows[0]).toMatchObject({ eventsPerSec: 110, variant: 'produce, single' });
    expect(rows[0]!.ratios).toBeUndefined();
    expect(rows[1]!.ratios).toEqual({ 'vs single': 0.8 });
    expect(rows[2]).toMatchObject({
      p99Ms: 2.5,
      ordering: 'none',
      variant: 'latency 5,000/s, single',
    });
    expect(rows[2]!.cpuUsPerEvent).toBeUndefined();
    expect(rows[3]!.ratios).toEqual({ 'p99 of single / cluster': 2.5 / 6 });
  });
});
