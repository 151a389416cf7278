import { SHARED_SETTINGS } from '../bench-plan.js';
import { commandRates, serverOf } from '../bench-redis.js';
import type { BenchContext } from '../scenarios/bench-context.js';
import type { ProduceResult, WorkerSystem } from './protocol.js';
import { usedMemory } from './redis-memory.js';
import { WorkerProcess } from './worker-process.js';

export interface ProduceRunSpec {
  system: WorkerSystem;
  events: number;
  partitions: number;
  /** Events per publishMany / pipeline (default SHARED_SETTINGS.produceBatch). */
  batchSize?: number;
  /** Payload size of the events (default: the ~200-byte order). */
  payloadBytes?: number;
  topic?: string;
  /** Events carry ids of their own (redstream: idempotent publish, a marker per event). */
  explicitIds?: boolean;
  label: string;
}

export interface ProduceRunOutcome {
  eventsPerSec: number;
  peakRssMb: number;
  /** CPU of the producer process while appending, per event, microseconds. */
  cpuUsPerEvent: number;
  /** CPU the Redis server(s) used per event meanwhile, microseconds. */
  redisCpuUsPerEvent: number;
  /** Redis calls per event by command (INFO commandstats). */
  redisCallsPerEvent: Record<string, number>;
  /** Redis used_memory after the run minus before it (after the flush), per event, bytes. */
  redisBytesPerEvent: number;
}

/** One produce run: flush, then one producer process appends N events in batches, timed. */
export async function runProduceRound(
  context: BenchContext,
  spec: ProduceRunSpec,
): Promise<ProduceRunOutcome> {
  const { redis } = context;
  await redis.flush();
  const memoryBefore = await usedMemory(redis.admin);
  const callsBefore = await redis.commandCalls();
  const redisCpuBefore = await redis.cpuSeconds();
  const worker = WorkerProcess.start(
    spec.system,
    {
      role: 'produce',
      ...serverOf(redis),
      topic: spec.topic ?? 'produce',
      events: spec.events,
      batchSize: spec.batchSize ?? SHARED_SETTINGS.produceBatch,
      partitions: spec.partitions,
      distinctKeys: SHARED_SETTINGS.distinctKeys,
      ...(spec.payloadBytes !== undefined ? { payloadBytes: spec.payloadBytes } : {}),
      ...(spec.explicitIds ? { explicitIds: true } : {}),
    },
    { label: spec.label, profileDir: context.profileDir },
  );
  const result = await worker.result<ProduceResult>(120_000 + spec.events * 2);
  await worker.exit();
  const redisCpuUsPerEvent = (((await redis.cpuSeconds()) - redisCpuBefore) * 1e6) / spec.events;
  return {
    eventsPerSec: spec.events / (result.elapsedMs / 1000),
    peakRssMb: result.peakRssMb,
    cpuUsPerEvent: (result.cpuMs * 1000) / spec.events,
    redisCpuUsPerEvent,
    redisCallsPerEvent: commandRates(callsBefore, await redis.commandCalls(), spec.events),
    redisBytesPerEvent: ((await usedMemory(redis.admin)) - memoryBefore) / spec.events,
  };
}
