import { SHARED_SETTINGS } from '../bench-plan.js';
import { formatRate } from '../progress.js';
import type { BenchRow } from '../report/bench-row.js';
import { type ConsumeRunOutcome, runConsumeRound } from '../runner/consume-run.js';
import { isRedstream, type WorkerSystem, withCandidate } from '../runner/protocol.js';
import { median } from '../stats.js';
import type { BenchContext } from './bench-context.js';
import { runInterleaved } from './interleave.js';

export interface ConsumeVariant {
  ordering: 'none' | 'key';
  partitions: number;
  /** Entries read but unsettled per consumer (redstream's maxInFlight). */
  maxInFlight: number;
}

/** consume-none: one stream, read 500 at a time; each system's plain group or queue consumer. */
export const CONSUME_NONE: ConsumeVariant = {
  ordering: 'none',
  partitions: 1,
  maxInFlight: 2 * SHARED_SETTINGS.readBatch,
};

/**
 * consume-key: 8 partitions, with the library's default bound (two reads' worth in flight,
 * shared by the partitions). A deeper bound (8 x 500, what the raw loop can hold after one
 * XREADGROUP over all 8 streams) measured no faster and kept 40 MB more resident.
 */
export const CONSUME_KEY: ConsumeVariant = {
  ordering: 'key',
  partitions: SHARED_SETTINGS.keyPartitions,
  maxInFlight: 2 * SHARED_SETTINGS.readBatch,
};

export function consumeNoneScenario(context: BenchContext): Promise<BenchRow[]> {
  return consumeScenario(
    context,
    'consume-none',
    CONSUME_NONE,
    withCandidate(['redstream', 'ioredis-raw', 'bullmq']),
  );
}

export function consumeKeyScenario(context: BenchContext): Promise<BenchRow[]> {
  return consumeScenario(
    context,
    'consume-key',
    CONSUME_KEY,
    withCandidate(['redstream', 'ioredis-raw']),
  );
}

async function consumeScenario(
  context: BenchContext,
  scenario: string,
  variant: ConsumeVariant,
  systems: WorkerSystem[],
): Promise<BenchRow[]> {
  const { events, rounds } = context.plan.consume;
  const samples = await runInterleaved(systems, rounds, async (system, round) => {
    const outcome = await runConsumeRound(context, {
      system,
      ordering: variant.ordering,
      partitions: variant.partitions,
      consumers: 1,
      events,
      maxInFlight: variant.maxInFlight,
      label: `${scenario} ${system}`,
    });
    context.progress.log(
      `${scenario} round ${round}/${rounds} ${system}: ${formatRate(outcome.eventsPerSec)} events/s (first event after ${outcome.firstEventMs.toFixed(0)} ms), CPU ${outcome.cpuUsPerEvent.toFixed(1)} us/event + Redis ${outcome.redisCpuUsPerEvent.toFixed(1)}, peak RSS ${outcome.peakRssMb.toFixed(0)} MB${noteText(outcome)}`,
    );
    return outcome;
  });
  return systems.map((system) =>
    consumeRow(scenario, system, events, samples.get(system)!, {
      ordering: isRedstream(system) ? variant.ordering : undefined,
    }),
  );
}

export function consumeRow(
  scenario: string,
  system: string,
  events: number,
  outcomes: ConsumeRunOutcome[],
  extra: { ordering?: 'none' | 'key' | undefined; consumers?: number; variant?: string },
): BenchRow {
  const notes = [...new Set(outcomes.flatMap((outcome) => outcome.notes))];
  return {
    scenario,
    system,
    events,
    eventsPerSec: median(outcomes.map((outcome) => outcome.eventsPerSec)),
    p50Ms: null,
    p99Ms: null,
    peakRssMb: Math.max(...outcomes.map((outcome) => outcome.peakRssMb)),
    cpuUsPerEvent: median(outcomes.map((outcome) => outcome.cpuUsPerEvent)),
    redisCpuUsPerEvent: median(outcomes.map((outcome) => outcome.redisCpuUsPerEvent)),
    ...(extra.variant ? { variant: extra.variant } : {}),
    ...(extra.ordering ? { ordering: extra.ordering } : {}),
    ...(extra.consumers ? { consumers: extra.consumers } : {}),
    rounds: outcomes.length,
    samples: outcomes.map((outcome) => outcome.eventsPerSec),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

export function noteText(outcome: { notes: string[] }): string {
  return outcome.notes.length > 0 ? ` (${outcome.notes.join('; ')})` : '';
}
