import { describe, expect, it } from 'vitest';
import { benchPlan, SCENARIOS } from './bench-plan.js';
import { parseCliArgs, UsageError } from './cli-args.js';

describe('parseCliArgs', () => {
  it('runs every scenario of the full plan by default', () => {
    expect(parseCliArgs([])).toEqual({
      quick: false,
      out: undefined,
      scenarios: [...SCENARIOS],
      rounds: undefined,
      events: undefined,
      profileDir: undefined,
      plotsDir: undefined,
      help: false,
    });
  });

  it('reads --plots and knows the scale scenarios of issue 19', () => {
    const options = parseCliArgs(['--plots', 'plots', '--scenario', 'cluster,partitions']);
    expect(options.plotsDir).toBe('plots');
    expect(options.scenarios).toEqual(['partitions', 'cluster']);
    expect(parseCliArgs(['--scenario', 'replicas,payload']).scenarios).toEqual([
      'replicas',
      'payload',
    ]);
  });

  it('reads --quick, --out, --rounds, --events and --profile', () => {
    const options = parseCliArgs([
      '--quick',
      '--out',
      'bench.json',
      '--rounds',
      '2',
      '--events',
      '5000',
      '--profile',
      'profiles',
    ]);
    expect(options).toMatchObject({
      quick: true,
      out: 'bench.json',
      rounds: 2,
      events: 5000,
      profileDir: 'profiles',
    });
  });

  it('takes scenarios repeated or comma-separated, in run order, once each', () => {
    expect(parseCliArgs(['--scenario', 'codec', '--scenario', 'produce,codec']).scenarios).toEqual([
      'produce',
      'codec',
    ]);
  });

  it('names the bad argument and what it expected', () => {
    expect(() => parseCliArgs(['--scenario', 'consume'])).toThrow(
      /--scenario: unknown scenario "consume"; expected one of produce, consume-none/,
    );
    expect(() => parseCliArgs(['--rounds', '0'])).toThrow(
      /--rounds: expected a positive integer, got "0"/,
    );
    expect(() => parseCliArgs(['--events', '1e3'])).toThrow(UsageError);
    expect(() => parseCliArgs(['--fast'])).toThrow(UsageError);
    expect(() => parseCliArgs(['produce'])).toThrow(UsageError);
  });
});

describe('benchPlan', () => {
  it('has a quick plan smaller than the full one', () => {
    const quick = benchPlan(true);
    const full = benchPlan(false);
    expect(quick.mode).toBe('quick');
    expect(quick.consume.events).toBeLessThan(full.consume.events);
    expect(quick.latency.durationMs).toBeLessThan(full.latency.durationMs);
    expect(full.latency).toMatchObject({ ratePerSec: 5000, warmupMs: 2000, durationMs: 10_000 });
  });

  it('applies --events to the throughput scenarios and --rounds to all', () => {
    const plan = benchPlan(false, { events: 1234, rounds: 2 });
    expect([plan.produce.events, plan.consume.events, plan.scale.events]).toEqual([
      1234, 1234, 1234,
    ]);
    expect([
      plan.produce.rounds,
      plan.consume.rounds,
      plan.scale.rounds,
      plan.latency.rounds,
      plan.codec.rounds,
    ]).toEqual([2, 2, 2, 2, 2]);
    expect(benchPlan(false).produce.events).toBe(100_000);
    expect([plan.partitions.events, plan.payload.events, plan.cluster.events]).toEqual([
      1234, 1234, 1234,
    ]);
    expect([plan.partitions.rounds, plan.payload.rounds, plan.cluster.rounds]).toEqual([2, 2, 2]);
  });

  it('measures the sizes of issue 19 in the full plan, fewer replicas in the quick one', () => {
    const full = benchPlan(false);
    const quick = benchPlan(true);
    expect(full.partitions.counts).toEqual([8, 64, 512]);
    expect(full.replicas.counts).toEqual([1, 8, 32]);
    expect(full.payload.sizes).toEqual([200, 4096, 65_536]);
    expect(full.cluster.masters).toBe(3);
    expect(quick.partitions.counts).toEqual([8, 64, 512]);
    expect(Math.max(...quick.replicas.counts)).toBeLessThan(32);
    expect(quick.replicas.idleMs).toBeLessThan(full.replicas.idleMs);
  });
});
