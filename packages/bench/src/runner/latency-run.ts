import { SHARED_SETTINGS } from '../bench-plan.js';
import { commandRates, serverOf } from '../bench-redis.js';
import type { BenchContext } from '../scenarios/bench-context.js';
import type { LatencySummary } from '../stats.js';
import { waitFor } from './consume-run.js';
import type { ConsumeResult, RateProduceResult, WorkerSystem } from './protocol.js';
import { WorkerProcess } from './worker-process.js';

export interface LatencyRunOutcome {
  latency: LatencySummary;
  /** Events published per second, as achieved. */
  achievedRate: number;
  peakRssMb: number;
  /** The consumer's CPU from go until it caught up, per event published, microseconds. */
  consumerCpuUsPerEvent: number;
  /** Redis CPU over the same time (the producer's appends included), per event. */
  redisCpuUsPerEvent: number;
  /** Redis calls per event published by command, over the same time (INFO commandstats). */
  redisCallsPerEvent: Record<string, number>;
  notes: string[];
}

/** A latency run other than the default one partition, ordering none (partitions rows). */
export interface LatencyRunOptions {
  ordering?: 'none' | 'key';
  partitions?: number;
  heartbeatIntervalMs?: number;
  sessionTimeoutMs?: number;
}

const TOPIC = 'latency';
const GROUP = 'latency-group';
const SETUP_TIMEOUT_MS = 60_000;
/** After the producer is done, how long the consumer may take to catch up. */
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * One latency run: a consumer (ordering none for redstream) subscribes first; then a producer
 * publishes one event at a time at the fixed rate, each payload carrying its publish time; the
 * consumer records handler-start minus publish time for every event after the warm-up.
 */
export async function runLatencyRound(
  context: BenchContext,
  system: WorkerSystem,
  label: string,
  options: LatencyRunOptions = {},
): Promise<LatencyRunOutcome> {
  const { redis, plan } = context;
  const { ratePerSec, warmupMs, durationMs } = plan.latency;
  const partitions = options.partitions ?? 1;
  const ordering = options.ordering ?? 'none';
  await redis.flush();
  const common = { ...serverOf(redis), topic: TOPIC, partitions };
  const consumer = WorkerProcess.start(
    system,
    {
      role: 'consume',
      ...common,
      group: GROUP,
      consumer: 'consumer-1',
      ordering,
      readBatch: SHARED_SETTINGS.readBatch,
      concurrency: SHARED_SETTINGS.concurrency,
      maxInFlight: 2 * SHARED_SETTINGS.readBatch,
      blockMs: SHARED_SETTINGS.blockMs,
      latencyFromSequence: Math.round((ratePerSec * warmupMs) / 1000),
      ...(options.heartbeatIntervalMs !== undefined
        ? { heartbeatIntervalMs: options.heartbeatIntervalMs }
        : {}),
      ...(options.sessionTimeoutMs !== undefined
        ? { sessionTimeoutMs: options.sessionTimeoutMs }
        : {}),
    },
    { label: `${label} consumer`, profileDir: context.profileDir },
  );
  const producer = WorkerProcess.start(
    system,
    {
      role: 'rate-produce',
      ...common,
      ratePerSec,
      totalMs: warmupMs + durationMs,
      distinctKeys: SHARED_SETTINGS.distinctKeys,
    },
    { label: `${label} producer` },
  );
  try {
    let handled = 0;
    let owned = 0;
    consumer.onProgress((message) => {
      handled = message.handled;
      owned = message.owned?.length ?? 0;
    });
    await Promise.all([consumer.waitReady(SETUP_TIMEOUT_MS), producer.waitReady(SETUP_TIMEOUT_MS)]);
    if (ordering === 'key')
      await waitFor(
        () => owned === partitions,
        SETUP_TIMEOUT_MS,
        `${label}: the consumer owning ${partitions} partitions`,
      );
    const callsBefore = await redis.commandCalls();
    const redisCpuBefore = await redis.cpuSeconds();
    consumer.send({ kind: 'go' });
    producer.send({ kind: 'go' });
    const produced = await producer.result<RateProduceResult>(
      SETUP_TIMEOUT_MS + warmupMs + durationMs,
    );
    await waitFor(() => handled >= produced.sent, DRAIN_TIMEOUT_MS, `${label}: consumer caught up`);
    const redisCpu = (await redis.cpuSeconds()) - redisCpuBefore;
    const callsAfter = await redis.commandCalls();
    consumer.send({ kind: 'stop' });
    const consumed = await consumer.result<ConsumeResult>(SETUP_TIMEOUT_MS);
    await Promise.all([consumer.exit(), producer.exit()]);
    const notes: string[] = [];
    const expected = Math.round((ratePerSec * (warmupMs + durationMs)) / 1000);
    if (consumed.handled !== expected)
      notes.push(`handled ${consumed.handled} deliveries for ${expected} events`);
    if (!consumed.latency) throw new Error(`${label}: the consumer reported no latencies`);
    return {
      latency: consumed.latency,
      achievedRate: produced.sent / (produced.elapsedMs / 1000),
      peakRssMb: consumed.peakRssMb,
      consumerCpuUsPerEvent: (consumed.cpuMs * 1000) / produced.sent,
      redisCpuUsPerEvent: (redisCpu * 1e6) / produced.sent,
      redisCallsPerEvent: commandRates(callsBefore, callsAfter, produced.sent),
      notes,
    };
  } finally {
    await Promise.all([consumer.kill(), producer.kill()]);
  }
}
