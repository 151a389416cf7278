import { SHARED_SETTINGS } from '../bench-plan.js';
import { formatRate } from '../progress.js';
import type { BenchRow } from '../report/bench-row.js';
import { runProduceRound } from '../runner/produce-run.js';
import { type WorkerSystem, withCandidate } from '../runner/protocol.js';
import { median } from '../stats.js';
import { findRedisBenchmark, runRedisBenchmark } from '../systems/redis-benchmark.js';
import type { BenchContext } from './bench-context.js';
import { runInterleaved } from './interleave.js';

type ProduceSystem = WorkerSystem | 'redis-benchmark';
interface Sample {
  eventsPerSec: number;
  peakRssMb: number | null;
  cpuUsPerEvent: number | null;
  redisCpuUsPerEvent: number;
}

/** produce: append N events in batches of 1000 to a 1-partition topic (or one queue). */
export async function produceScenario(context: BenchContext): Promise<BenchRow[]> {
  const { redis, plan, progress } = context;
  const { events, rounds } = plan.produce;
  const benchmarkBinary = findRedisBenchmark();
  const systems: ProduceSystem[] = withCandidate(['redstream', 'ioredis-raw', 'bullmq']);
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
      sample = { eventsPerSec: rps, peakRssMb: null, cpuUsPerEvent: null, redisCpuUsPerEvent };
    } else {
      sample = await runProduceRound(context, {
        system,
        events,
        partitions: 1,
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
    return {
      scenario: 'produce',
      system,
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
