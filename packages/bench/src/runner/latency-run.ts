import { SHARED_SETTINGS } from '../bench-plan.js';
import { serverOf } from '../bench-redis.js';
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
  notes: string[];
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
): Promise<LatencyRunOutcome> {
  const { redis, plan } = context;
  const { ratePerSec, warmupMs, durationMs } = plan.latency;
  await redis.flush();
  const common = { ...serverOf(redis), topic: TOPIC, partitions: 1 };
  const consumer = WorkerProcess.start(
    system,
    {
      role: 'consume',
      ...common,
      group: GROUP,
      consumer: 'consumer-1',
      ordering: 'none',
      readBatch: SHARED_SETTINGS.readBatch,
      concurrency: SHARED_SETTINGS.concurrency,
      maxInFlight: 2 * SHARED_SETTINGS.readBatch,
      blockMs: SHARED_SETTINGS.blockMs,
      latencyFromSequence: Math.round((ratePerSec * warmupMs) / 1000),
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
    consumer.onProgress((message) => {
      handled = message.handled;
    });
    await Promise.all([consumer.waitReady(SETUP_TIMEOUT_MS), producer.waitReady(SETUP_TIMEOUT_MS)]);
    consumer.send({ kind: 'go' });
    producer.send({ kind: 'go' });
    const produced = await producer.result<RateProduceResult>(
      SETUP_TIMEOUT_MS + warmupMs + durationMs,
    );
    await waitFor(() => handled >= produced.sent, DRAIN_TIMEOUT_MS, `${label}: consumer caught up`);
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
      notes,
    };
  } finally {
    await Promise.all([consumer.kill(), producer.kill()]);
  }
}
