import { createStreamClient } from '@redstream/stream-client';
import { benchEvent } from '../bench-event.js';
import { SHARED_SETTINGS } from '../bench-plan.js';
import { formatRate } from '../progress.js';
import type { BenchRow } from '../report/bench-row.js';
import { runConsumeRound, waitFor } from '../runner/consume-run.js';
import { type LatencyRunOutcome, runLatencyRound } from '../runner/latency-run.js';
import type { ConsumeResult } from '../runner/protocol.js';
import { type KeyMemory, keyMemory, usedMemory } from '../runner/redis-memory.js';
import { WorkerProcess } from '../runner/worker-process.js';
import { median, medianRecord } from '../stats.js';
import type { BenchContext } from './bench-context.js';
import { CONSUME_KEY, consumeRow, noteText } from './consume.js';
import { runInterleaved } from './interleave.js';

const TOPIC = 'memory';
/**
 * The library's defaults, not the 200 ms the other key rows settle with: every owned lease is
 * renewed each heartbeat, so at 512 partitions a 200 ms heartbeat alone is 2,560 renewals/s.
 */
const HEARTBEAT_INTERVAL_MS = 1000;
const SESSION_TIMEOUT_MS = 10_000;
const SETUP_TIMEOUT_MS = 120_000;

/**
 * partitions: consume-key (one redstream consumer, ordering key) over 8, 64 and 512
 * partitions, the same N events and keys each time: events/s and CPU per event (client and
 * Redis) should stay flat. Then the same counts at one fixed rate (one producer publishing one
 * event at a time, one consumer: the latency run with ordering key), for CPU per event and
 * latency at the same event rate. Last, a memory probe per count: Redis `used_memory`
 * before and after the topic and an idle group, MEMORY USAGE of every key by kind (streams,
 * leases, epochs, members), then the markers of idempotent publishes and of an
 * effectively-once group per event.
 */
export async function partitionsScenario(context: BenchContext): Promise<BenchRow[]> {
  const { events, rounds, counts, markers } = context.plan.partitions;
  const variants = counts.map((count) => `${count} partitions`);
  const samples = await runInterleaved(variants, rounds, async (variant, round) => {
    const partitions = Number.parseInt(variant, 10);
    const outcome = await runConsumeRound(context, {
      system: 'redstream',
      ordering: 'key',
      partitions,
      consumers: 1,
      events,
      maxInFlight: CONSUME_KEY.maxInFlight,
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      label: `partitions ${partitions}`,
    });
    context.progress.log(
      `partitions round ${round}/${rounds} ${variant}: ${formatRate(outcome.eventsPerSec)} events/s, CPU ${outcome.cpuUsPerEvent.toFixed(1)} us/event + Redis ${outcome.redisCpuUsPerEvent.toFixed(1)}${noteText(outcome)}`,
    );
    return outcome;
  });
  const { paced } = context.plan.partitions;
  const pacedContext: BenchContext = {
    ...context,
    plan: { ...context.plan, latency: { ...context.plan.latency, ...paced } },
  };
  const pacedSamples = await runInterleaved(variants, rounds, async (variant, round) => {
    const partitions = Number.parseInt(variant, 10);
    const outcome = await runLatencyRound(
      pacedContext,
      'redstream',
      `partitions paced ${variant}`,
      {
        ordering: 'key',
        partitions,
        heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
      },
    );
    context.progress.log(
      `partitions paced round ${round}/${rounds} ${variant} at ${formatRate(paced.ratePerSec)}/s: p99 ${outcome.latency.p99Ms.toFixed(2)} ms, consumer CPU ${outcome.consumerCpuUsPerEvent.toFixed(1)} us/event, Redis ${outcome.redisCpuUsPerEvent.toFixed(1)} (producer's appends included)${noteText(outcome)}`,
    );
    return outcome;
  });

  const rows: BenchRow[] = [];
  for (const variant of variants) {
    const partitions = Number.parseInt(variant, 10);
    const memory = await probeMemory(context, partitions, markers);
    context.progress.log(
      `partitions memory ${variant}: ${Object.entries(memory)
        .map(([name, bytes]) => `${name} ${bytes.toFixed(0)}`)
        .join(', ')}`,
    );
    rows.push({
      ...consumeRow('partitions', 'redstream', events, samples.get(variant)!, {
        ordering: 'key',
        consumers: 1,
        variant: `key, ${variant}`,
      }),
      partitions,
      redisCallsPerEvent: medianRecord(samples.get(variant)!.map((s) => s.redisCallsPerEvent)),
      memory,
    });
  }
  for (const variant of variants)
    rows.push(
      pacedRow(
        variant,
        pacedSamples.get(variant)!,
        paced.ratePerSec,
        paced.warmupMs + paced.durationMs,
      ),
    );
  return rows;
}

/** A partition count at the fixed rate: medians over rounds (p50/p99 of the median-p99 round). */
export function pacedRow(
  variant: string,
  outcomes: readonly LatencyRunOutcome[],
  ratePerSec: number,
  totalMs: number,
): BenchRow {
  const middle = [...outcomes].sort((a, b) => a.latency.p99Ms - b.latency.p99Ms)[
    (outcomes.length - 1) >> 1
  ]!;
  const notes = [...new Set(outcomes.flatMap((outcome) => outcome.notes))];
  return {
    scenario: 'partitions',
    system: 'redstream',
    events: Math.round((ratePerSec * totalMs) / 1000),
    eventsPerSec: median(outcomes.map((outcome) => outcome.achievedRate)),
    p50Ms: middle.latency.p50Ms,
    p99Ms: middle.latency.p99Ms,
    peakRssMb: Math.max(...outcomes.map((outcome) => outcome.peakRssMb)),
    variant: `key, ${variant}, ${formatRate(ratePerSec)}/s`,
    ordering: 'key',
    consumers: 1,
    partitions: Number.parseInt(variant, 10),
    cpuUsPerEvent: median(outcomes.map((outcome) => outcome.consumerCpuUsPerEvent)),
    redisCpuUsPerEvent: median(outcomes.map((outcome) => outcome.redisCpuUsPerEvent)),
    maxMs: middle.latency.maxMs,
    redisCallsPerEvent: medianRecord(outcomes.map((outcome) => outcome.redisCallsPerEvent)),
    rounds: outcomes.length,
    samples: outcomes.map((outcome) => outcome.achievedRate),
    notes: [
      "one event at a time at a fixed rate; Redis us/ev includes the producer's appends",
      ...notes,
    ],
  };
}

interface UsedMemory {
  /** After the flush, after ensureTopic, after one idle group owns every partition. */
  empty: number;
  topic: number;
  group: number;
}

/**
 * Bytes per partition, per partition and group, and per marker, from the used_memory steps
 * and the MEMORY USAGE sums (`idle`: one group, no events; `busy`: after `markers` idempotent
 * publishes and a second, effectively-once group that handled them).
 */
export function memoryFacts(
  partitions: number,
  markers: number,
  used: UsedMemory,
  idle: KeyMemory,
  busy: KeyMemory,
): Record<string, number> {
  const facts: Record<string, number> = {
    usedMemoryTopicPerPartition: (used.topic - used.empty) / partitions,
    usedMemoryGroup: used.group - used.topic,
    usedMemoryGroupPerPartition: (used.group - used.topic) / partitions,
    streamPerPartition: (idle.bytes.stream ?? 0) / partitions,
    leasePerPartitionGroup: (idle.bytes.lease ?? 0) / partitions,
    epochPerPartitionGroup: (idle.bytes.epoch ?? 0) / partitions,
    membersPerGroup: (idle.bytes.members ?? 0) + (idle.bytes.pulse ?? 0),
  };
  if (markers > 0) {
    // `pub`: one key per id (the layout of keys.ts until issue 19); `pubw`: the publish
    // window's index and bucket hashes (its successor). Whichever the library writes counts.
    facts.publishMarkerPerEvent = ((busy.bytes.pub ?? 0) + (busy.bytes.pubw ?? 0)) / markers;
    facts.doneMarkerPerEvent = (busy.bytes.done ?? 0) / markers;
  }
  return facts;
}

async function probeMemory(
  context: BenchContext,
  partitions: number,
  markers: number,
): Promise<Record<string, number>> {
  const { redis } = context;
  await redis.flush();
  const client = await createStreamClient({ url: redis.url, clientName: 'bench:memory' });
  const members: WorkerProcess[] = [];
  try {
    const empty = await usedMemory(redis.admin);
    await client.ensureTopic(TOPIC, { partitions });
    const topic = await usedMemory(redis.admin);
    const first = startMember(context, members, 'group-1', partitions, false);
    await waitFor(
      () => first.owned === partitions,
      SETUP_TIMEOUT_MS,
      `memory probe: one member owning ${partitions} partitions`,
    );
    const group = await usedMemory(redis.admin);
    const idle = await keyMemory(redis.admin);

    // Idempotent publishes leave a marker per event; an effectively-once group one per event.
    const producer = client.producer({ idempotence: 'always' });
    for (let from = 0; from < markers; from += SHARED_SETTINGS.produceBatch) {
      const batch = [];
      for (let i = from; i < Math.min(markers, from + SHARED_SETTINGS.produceBatch); i++)
        batch.push(benchEvent(i));
      await producer.publishMany(TOPIC, batch);
    }
    const second = startMember(context, members, 'group-2', partitions, true);
    await waitFor(
      () => second.handled >= markers,
      SETUP_TIMEOUT_MS,
      `memory probe: the effectively-once group handled ${markers} events`,
    );
    const busy = await keyMemory(redis.admin);
    for (const worker of members) worker.send({ kind: 'stop' });
    await Promise.all(members.map((worker) => worker.result<ConsumeResult>(SETUP_TIMEOUT_MS)));
    return memoryFacts(partitions, markers, { empty, topic, group }, idle, busy);
  } finally {
    await client.close();
    await Promise.all(members.map((worker) => worker.kill()));
  }
}

/** A consumer process of `group` (ordering key); what it owns and handled, as it reports. */
function startMember(
  context: BenchContext,
  members: WorkerProcess[],
  group: string,
  partitions: number,
  effectivelyOnce: boolean,
): { owned: number; handled: number } {
  const state = { owned: 0, handled: 0 };
  const worker = WorkerProcess.start(
    'redstream',
    {
      role: 'consume',
      url: context.redis.url,
      topic: TOPIC,
      group,
      consumer: `${group}-member`,
      partitions,
      ordering: 'key',
      readBatch: SHARED_SETTINGS.readBatch,
      concurrency: SHARED_SETTINGS.concurrency,
      maxInFlight: CONSUME_KEY.maxInFlight,
      blockMs: SHARED_SETTINGS.blockMs,
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      ...(effectivelyOnce ? { effectivelyOnce: true } : {}),
    },
    { label: `memory probe ${group}` },
  );
  worker.onProgress((message) => {
    state.owned = message.owned?.length ?? 0;
    state.handled = message.handled;
  });
  members.push(worker);
  return state;
}
