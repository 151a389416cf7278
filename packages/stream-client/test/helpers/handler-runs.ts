import type { ServiceProcess } from '@redstream/testkit';
import type { StreamClient } from '../../src/index.js';

/** One handler run as the consumer-worker fixture records it with RECORD_RUNS=1. */
export interface HandlerRun {
  consumer: string;
  pid: number;
  key: string;
  seq: number;
  entryId: string;
  partition: number;
  attempt: number;
  epoch: number | undefined;
  /** Wall-clock ms (Date.now() in the replica; every replica runs on this machine). */
  startedAt: number;
  /** Undefined while the run has not ended (or its process died first). */
  endedAt: number | undefined;
  ok: boolean | undefined;
}

interface RunLine extends Omit<HandlerRun, 'endedAt' | 'ok'> {
  run: 'start' | 'end';
  at: number;
  ok?: boolean;
}

/** Every handler run the workers printed, start and end paired, oldest start first. */
export function handlerRuns(workers: ServiceProcess[]): HandlerRun[] {
  const runs = new Map<string, HandlerRun>();
  for (const worker of workers) {
    for (const line of worker.jsonLines<RunLine>()) {
      if (line.run !== 'start' && line.run !== 'end') continue;
      const id = `${line.pid}/${line.entryId}/${line.startedAt}/${line.attempt}`;
      const run = runs.get(id) ?? {
        consumer: line.consumer,
        pid: line.pid,
        key: line.key,
        seq: line.seq,
        entryId: line.entryId,
        partition: line.partition,
        attempt: line.attempt,
        epoch: line.epoch,
        startedAt: line.startedAt,
        endedAt: undefined,
        ok: undefined,
      };
      if (line.run === 'end') {
        run.endedAt = line.at;
        run.ok = line.ok;
      }
      runs.set(id, run);
    }
  }
  return [...runs.values()].sort((a, b) => a.startedAt - b.startedAt);
}

/**
 * Pairs of runs of one key that ran at the same time: the later one started before the earlier
 * one ended (a run that never ended counts as still running).
 */
export function overlappingRuns(runs: HandlerRun[]): Array<[HandlerRun, HandlerRun]> {
  const byKey = new Map<string, HandlerRun[]>();
  for (const run of runs) byKey.set(run.key, [...(byKey.get(run.key) ?? []), run]);
  const overlaps: Array<[HandlerRun, HandlerRun]> = [];
  for (const keyRuns of byKey.values()) {
    keyRuns.sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 0; i < keyRuns.length; i++) {
      for (let j = i + 1; j < keyRuns.length; j++) {
        if (keyRuns[j]!.startedAt < (keyRuns[i]!.endedAt ?? Number.POSITIVE_INFINITY))
          overlaps.push([keyRuns[i]!, keyRuns[j]!]);
      }
    }
  }
  return overlaps;
}

/**
 * Which entry a run was for. Entry ids are per stream: partitions appended in the same
 * millisecond share ids, so an entry is its partition and its id.
 */
export function entryOf(run: { partition: number; entryId: string }): string {
  return `${run.partition}/${run.entryId}`;
}

/** The first run of every entry whose `ctx.attempt` was not 1. */
export function firstRunsNotAttemptOne(runs: HandlerRun[]): HandlerRun[] {
  const first = new Map<string, HandlerRun>();
  for (const run of runs) if (!first.has(entryOf(run))) first.set(entryOf(run), run);
  return [...first.values()].filter((run) => run.attempt !== 1);
}

/** A short line per run for assertion messages. */
export function describeRun(run: HandlerRun): string {
  const end = run.endedAt === undefined ? 'never ended' : `ended ${run.endedAt}`;
  return `${run.key}#${run.seq} (${run.entryId}) on ${run.consumer} epoch ${run.epoch} attempt ${run.attempt}: started ${run.startedAt}, ${end}`;
}

/** Dead letters of the topic, summed over partitions, with the count per reason. */
export async function deadLetterSummary(
  client: StreamClient,
  topic: string,
): Promise<{ total: number; reasons: Record<string, number>; errors: string[] }> {
  const deadLetters = await client.admin.listDeadLetters(topic, { count: 100_000 });
  const reasons: Record<string, number> = {};
  for (const deadLetter of deadLetters)
    reasons[deadLetter.reason] = (reasons[deadLetter.reason] ?? 0) + 1;
  return {
    total: deadLetters.length,
    reasons,
    errors: [...new Set(deadLetters.map((deadLetter) => deadLetter.error))].slice(0, 5),
  };
}
