import { benchEvent } from '../bench-event.js';
import { formatRate } from '../progress.js';
import type { BenchRow } from '../report/bench-row.js';
import { runConsumeRound } from '../runner/consume-run.js';
import { runProduceRound } from '../runner/produce-run.js';
import type { WorkerSystem } from '../runner/protocol.js';
import { median, medianRecord } from '../stats.js';
import type { BenchContext } from './bench-context.js';
import { noteText } from './consume.js';
import { runInterleaved } from './interleave.js';

const SYSTEMS: WorkerSystem[] = ['redstream', 'ioredis-raw'];
const DIRECTIONS = ['produce', 'consume'] as const;
type Direction = (typeof DIRECTIONS)[number];

interface Sample {
  eventsPerSec: number;
  cpuUsPerEvent: number;
  redisCpuUsPerEvent: number;
  peakRssMb: number;
  redisCallsPerEvent: Record<string, number>;
  notes: string[];
}

/**
 * payload: produce and consume (ordering none, one stream) at 200 B, 4 KiB and 64 KiB of
 * payload JSON, redstream beside the hand-written ioredis loop. Larger payloads get fewer
 * events (the bytes per run are bounded) and smaller batches (see `payloadBatches`), alike for
 * both systems.
 */
export async function payloadScenario(context: BenchContext): Promise<BenchRow[]> {
  const { sizes, rounds, events, maxBytes } = context.plan.payload;
  const variants: string[] = [];
  for (const size of sizes)
    for (const direction of DIRECTIONS)
      for (const system of SYSTEMS) variants.push(`${direction}|${size}|${system}`);

  const samples = await runInterleaved(variants, rounds, async (variant, round) => {
    const [direction, sizeText, system] = variant.split('|') as [Direction, string, WorkerSystem];
    const size = Number(sizeText);
    const count = payloadEvents(events, maxBytes, size);
    const batches = payloadBatches(size);
    const label = `payload ${direction} ${formatBytes(size)} ${system}`;
    let sample: Sample;
    if (direction === 'produce') {
      const outcome = await runProduceRound(context, {
        system,
        events: count,
        partitions: 1,
        batchSize: batches.produceBatch,
        payloadBytes: size,
        label,
      });
      sample = { ...outcome, notes: [] };
    } else {
      sample = await runConsumeRound(context, {
        system,
        ordering: 'none',
        partitions: 1,
        consumers: 1,
        events: count,
        maxInFlight: 2 * batches.readBatch,
        readBatch: batches.readBatch,
        produceBatch: batches.produceBatch,
        payloadBytes: size,
        label,
      });
    }
    context.progress.log(
      `payload round ${round}/${rounds} ${direction} ${formatBytes(size)} ${system}: ${formatRate(sample.eventsPerSec)} events/s, ${((sample.eventsPerSec * actualPayloadBytes(size)) / 1e6).toFixed(1)} MB/s${noteText(sample)}`,
    );
    return sample;
  });

  return variants.map((variant) => {
    const [direction, sizeText, system] = variant.split('|') as [Direction, string, WorkerSystem];
    const size = Number(sizeText);
    const list = samples.get(variant)!;
    const eventsPerSec = median(list.map((s) => s.eventsPerSec));
    const notes = [...new Set(list.flatMap((s) => s.notes))];
    return {
      scenario: 'payload',
      system,
      events: payloadEvents(events, maxBytes, size),
      eventsPerSec,
      p50Ms: null,
      p99Ms: null,
      peakRssMb: Math.max(...list.map((s) => s.peakRssMb)),
      variant: `${direction} ${formatBytes(size)}`,
      ...(system === 'redstream' && direction === 'consume' ? { ordering: 'none' as const } : {}),
      cpuUsPerEvent: median(list.map((s) => s.cpuUsPerEvent)),
      redisCpuUsPerEvent: median(list.map((s) => s.redisCpuUsPerEvent)),
      payloadBytes: actualPayloadBytes(size),
      mbPerSec: (eventsPerSec * actualPayloadBytes(size)) / 1e6,
      redisCallsPerEvent: medianRecord(list.map((s) => s.redisCallsPerEvent)),
      rounds: list.length,
      samples: list.map((s) => s.eventsPerSec),
      ...(notes.length > 0 ? { notes } : {}),
    };
  });
}

/** Events of a run at `size` bytes: the plan's count, bounded to `maxBytes` of payload. */
export function payloadEvents(events: number, maxBytes: number, size: number): number {
  return Math.max(100, Math.min(events, Math.floor(maxBytes / size)));
}

/**
 * Batch sizes at `size` bytes: the shared 1000 per append and 500 per read for small events,
 * fewer for large ones so one batch stays near 4 MiB (append) and 2 MiB (read).
 */
export function payloadBatches(size: number): { produceBatch: number; readBatch: number } {
  const clamp = (value: number, max: number) => Math.max(16, Math.min(max, Math.floor(value)));
  return {
    produceBatch: clamp((4 * 2 ** 20) / size, 1000),
    readBatch: clamp((2 * 2 ** 20) / size, 500),
  };
}

/** 200 -> '200 B', 4096 -> '4 KiB', 65536 -> '64 KiB'. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 20 && bytes % 2 ** 20 === 0) return `${bytes / 2 ** 20} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

/** The JSON length of a payload padded to `size` (the plain order is ~200 bytes already). */
function actualPayloadBytes(size: number): number {
  return JSON.stringify(benchEvent(0, 1000, 0, size).payload).length;
}
