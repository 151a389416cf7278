import { SHARED_SETTINGS } from '../bench-plan.js';
import { formatRate } from '../progress.js';
import type { BenchRow } from '../report/bench-row.js';
import { runProduceRound } from '../runner/produce-run.js';
import { type WorkerSystem, withCandidate } from '../runner/protocol.js';
import { median } from '../stats.js';
import { findRedisBenchmark, runRedisBenchmark } from '../systems/redis-benchmark.js';
import type { BenchContext } from './bench-context.js';
import { runInterleaved } from './interleave.js';

/**
 * `redstream-explicit-ids`: redstream publishing events that carry their own ids, so each
 * append also checks and sets its idempotence marker (the row's variant says so).
 */
type ProduceSystem = WorkerSystem | 'redis-benchmark' | typeof EXPLICIT_IDS;
const EXPLICIT_IDS = 'redstream-explicit-ids';
interface Sample {
  eventsPerSec: number;
  peakRssMb: number | null;
  cpuUsPerEvent: number | null;
  redisCpuUsPerEvent: number;
  redisBytesPerEvent: number | null;
}

/** produce: append N events in batches of 1000 to a 1-partition topic (or one queue). */
export async function produceScenario(context: BenchContext): Promise<BenchRow[]> {
  const { redis, plan, progress } = context;
  const { events, rounds } = plan.produce;
  const benchmarkBinary = findRedisBenchmark();
  const systems: ProduceSystem[] = [
    ...withCandidate(['redstream', 'ioredis-raw', 'bullmq']),
    EXPLICIT_IDS,
  ];
  if (benchmarkBinary) systems.push('redis-benchmark');
  else progress.log('produce: redis-benchmark is not on PATH; its ceiling row is left out');

  const samples = await runInterleaved(systems, rounds, async (system, round) => {
    let sample: Sample;
    if (system === 'redis-benchmark') {
      await redis.flush();
      const redisCpuBefore = await redis.cpuSeconds();
      const rps = await runRedisBenchmark(benchmarkBinary!, {
        host: redis.host,
        port: redis.port,
        events,
        pipeline: SHARED_SETTINGS.produceBatch,
      });
      const redisCpuUsPerEvent = (((await redis.cpuSeconds()) - redisCpuBefore) * 1e6) / events;
      sample = {
        eventsPerSec: rps,
        peakRssMb: null,
        cpuUsPerEvent: null,
        redisCpuUsPerEvent,
        redisBytesPerEvent: null,
      };
    } else {
      sample = await runProduceRound(context, {
        system: system === EXPLICIT_IDS ? 'redstream' : system,
        events,
        partitions: 1,
        ...(system === EXPLICIT_IDS ? { explicitIds: true } : {}),
        label: `produce ${system}`,
      });
    }
    progress.log(
      `produce round ${round}/${rounds} ${system}: ${formatRate(sample.eventsPerSec)} events/s`,
    );
    return sample;
  });

  return systems.map((system) => {
    const list = samples.get(system)!;
    const rss = list.map((s) => s.peakRssMb).filter((v): v is number => v !== null);
    const cpu = list.map((s) => s.cpuUsPerEvent).filter((v): v is number => v !== null);
    const bytes = list.map((s) => s.redisBytesPerEvent).filter((v): v is number => v !== null);
    return {
      scenario: 'produce',
      system: system === EXPLICIT_IDS ? 'redstream' : system,
      ...(system === EXPLICIT_IDS ? { variant: 'explicit ids' } : {}),
      ...(bytes.length > 0 ? { redisBytesPerEvent: median(bytes) } : {}),
      events,
      eventsPerSec: median(list.map((s) => s.eventsPerSec)),
      p50Ms: null,
      p99Ms: null,
      peakRssMb: rss.length > 0 ? Math.max(...rss) : null,
      ...(cpu.length > 0 ? { cpuUsPerEvent: median(cpu) } : {}),
      redisCpuUsPerEvent: median(list.map((s) => s.redisCpuUsPerEvent)),
      rounds,
      samples: list.map((s) => s.eventsPerSec),
    };
  });
}
