import { formatRate } from '../progress.js';
import type { BenchRow } from '../report/bench-row.js';
import { type LatencyRunOutcome, runLatencyRound } from '../runner/latency-run.js';
import { isRedstream, type WorkerSystem, withCandidate } from '../runner/protocol.js';
import { median } from '../stats.js';
import type { BenchContext } from './bench-context.js';
import { noteText } from './consume.js';
import { runInterleaved } from './interleave.js';

/**
 * latency: one producer at a fixed rate, one consumer; publish-to-handler-start percentiles of
 * the events after the warm-up. The row is the round with the median p99.
 */
export async function latencyScenario(context: BenchContext): Promise<BenchRow[]> {
  const { rounds, ratePerSec, durationMs } = context.plan.latency;
  const systems: WorkerSystem[] = withCandidate(['redstream', 'ioredis-raw', 'bullmq']);
  const samples = await runInterleaved(systems, rounds, async (system, round) => {
    const outcome = await runLatencyRound(context, system, `latency ${system}`);
    const { p50Ms, p99Ms, maxMs } = outcome.latency;
    context.progress.log(
      `latency round ${round}/${rounds} ${system}: p50 ${p50Ms.toFixed(2)} ms, p99 ${p99Ms.toFixed(2)} ms, max ${maxMs.toFixed(1)} ms at ${formatRate(outcome.achievedRate)}/s${noteText(outcome)}`,
    );
    return outcome;
  });
  return systems.map((system) => {
    const outcomes = samples.get(system)!;
    const middle = medianRound(outcomes);
    const notes = [...new Set(outcomes.flatMap((outcome) => outcome.notes))];
    return {
      scenario: 'latency',
      system,
      events: Math.round((ratePerSec * durationMs) / 1000),
      eventsPerSec: median(outcomes.map((outcome) => outcome.achievedRate)),
      p50Ms: middle.latency.p50Ms,
      p99Ms: middle.latency.p99Ms,
      peakRssMb: Math.max(...outcomes.map((outcome) => outcome.peakRssMb)),
      ...(isRedstream(system) ? { ordering: 'none' as const } : {}),
      maxMs: middle.latency.maxMs,
      rounds: outcomes.length,
      samples: outcomes.map((outcome) => outcome.latency.p99Ms),
      ...(notes.length > 0 ? { notes } : {}),
    };
  });
}

/** The round whose p99 is the median p99 (lower middle for an even count). */
function medianRound(outcomes: LatencyRunOutcome[]): LatencyRunOutcome {
  const sorted = [...outcomes].sort((a, b) => a.latency.p99Ms - b.latency.p99Ms);
  return sorted[(sorted.length - 1) >> 1]!;
}
