import { SHARED_SETTINGS } from '../bench-plan.js';
import { formatRate } from '../progress.js';
import type { BenchRow } from '../report/bench-row.js';
import { type ProduceResult, type WorkerSystem, withCandidate } from '../runner/protocol.js';
import { WorkerProcess } from '../runner/worker-process.js';
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
    await redis.flush();
    const redisCpuBefore = await redis.cpuSeconds();
    let sample: Omit<Sample, 'redisCpuUsPerEvent'>;
    if (system === 'redis-benchmark') {
      const rps = await runRedisBenchmark(benchmarkBinary!, {
        host: redis.host,
        port: redis.port,
        events,
        pipeline: SHARED_SETTINGS.produceBatch,
      });
      sample = { eventsPerSec: rps, peakRssMb: null, cpuUsPerEvent: null };
    } else {
      const worker = WorkerProcess.start(
        system,
        {
          role: 'produce',
          url: redis.url,
          topic: 'produce',
          events,
          batchSize: SHARED_SETTINGS.produceBatch,
          partitions: 1,
          distinctKeys: SHARED_SETTINGS.distinctKeys,
        },
        { label: `produce ${system}`, profileDir: context.profileDir },
      );
      const result = await worker.result<ProduceResult>(120_000 + events * 2);
      await worker.exit();
      sample = {
        eventsPerSec: events / (result.elapsedMs / 1000),
        peakRssMb: result.peakRssMb,
        cpuUsPerEvent: (result.cpuMs * 1000) / events,
      };
    }
    const redisCpuUsPerEvent = (((await redis.cpuSeconds()) - redisCpuBefore) * 1e6) / events;
    progress.log(
      `produce round ${round}/${rounds} ${system}: ${formatRate(sample.eventsPerSec)} events/s`,
    );
    return { ...sample, redisCpuUsPerEvent };
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
