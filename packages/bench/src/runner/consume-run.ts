import { wallClockMs } from '../bench-event.js';
import { SHARED_SETTINGS } from '../bench-plan.js';
import { commandRates, serverOf } from '../bench-redis.js';
import type { BenchContext } from '../scenarios/bench-context.js';
import {
  type ConsumeResult,
  type ConsumeTask,
  isRedstream,
  type PreloadResult,
  type WorkerSystem,
} from './protocol.js';
import { WorkerProcess } from './worker-process.js';

export interface ConsumeRunSpec {
  system: WorkerSystem;
  ordering: 'none' | 'key';
  partitions: number;
  consumers: number;
  events: number;
  /** Entries read but unsettled per consumer (redstream maxInFlight). */
  maxInFlight: number;
  label: string;
  /** Payload size of the events (default: the ~200-byte order). */
  payloadBytes?: number;
  /** Entries per read and events per preload batch (defaults: SHARED_SETTINGS). */
  readBatch?: number;
  produceBatch?: number;
  /** Ordering key: heartbeat and session timeout of the consumers (default: the worker's). */
  heartbeatIntervalMs?: number;
  sessionTimeoutMs?: number;
}

export interface ConsumeRunOutcome {
  eventsPerSec: number;
  handled: number;
  /** Highest peak RSS among the consumer processes. */
  peakRssMb: number;
  /** Milliseconds from go until the first event reached a handler (the wake-up). */
  firstEventMs: number;
  /** CPU of all consumer processes (go to stop) per event, microseconds. */
  cpuUsPerEvent: number;
  /** CPU the Redis server used per event while the events were handled, microseconds. */
  redisCpuUsPerEvent: number;
  /** Redis calls per event by command, go to the last event (INFO commandstats). */
  redisCallsPerEvent: Record<string, number>;
  notes: string[];
}

const TOPIC = 'bench';
const GROUP = 'bench-group';
const SETUP_TIMEOUT_MS = 60_000;

/**
 * One consume run: flush, stage N events, start the consumers on the still-empty topic and
 * wait until they are subscribed (and, for ordering key, own a balanced share of partitions),
 * then release every event at once (RENAME of the staged streams in one MULTI; BullMQ's worker
 * starts at go) and time until the handler has run for the last event.
 */
export async function runConsumeRound(
  context: BenchContext,
  spec: ConsumeRunSpec,
): Promise<ConsumeRunOutcome> {
  const { redis } = context;
  await redis.flush();
  const preloader = WorkerProcess.start(
    spec.system,
    {
      role: 'preload',
      ...serverOf(redis),
      topic: TOPIC,
      group: GROUP,
      events: spec.events,
      batchSize: spec.produceBatch ?? SHARED_SETTINGS.produceBatch,
      partitions: spec.partitions,
      distinctKeys: SHARED_SETTINGS.distinctKeys,
      ...(spec.payloadBytes !== undefined ? { payloadBytes: spec.payloadBytes } : {}),
    },
    { label: `${spec.label} preload` },
  );
  const staged = await preloader.result<PreloadResult>(SETUP_TIMEOUT_MS + spec.events);
  await preloader.exit();

  const consumers = Array.from({ length: spec.consumers }, (_, index) => {
    const task: ConsumeTask = {
      role: 'consume',
      ...serverOf(redis),
      topic: TOPIC,
      group: GROUP,
      consumer: `consumer-${index + 1}`,
      partitions: spec.partitions,
      ordering: spec.ordering,
      readBatch: spec.readBatch ?? SHARED_SETTINGS.readBatch,
      concurrency: SHARED_SETTINGS.concurrency,
      maxInFlight: spec.maxInFlight,
      blockMs: SHARED_SETTINGS.blockMs,
      ...(spec.heartbeatIntervalMs !== undefined
        ? { heartbeatIntervalMs: spec.heartbeatIntervalMs }
        : {}),
      ...(spec.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: spec.sessionTimeoutMs } : {}),
    };
    return WorkerProcess.start(spec.system, task, {
      label: `${spec.label} consumer-${index + 1}`,
      profileDir: context.profileDir,
    });
  });
  try {
    const handled = new Array<number>(consumers.length).fill(0);
    const owned = new Array<number[] | undefined>(consumers.length).fill(undefined);
    consumers.forEach((worker, index) => {
      worker.onProgress((message) => {
        handled[index] = message.handled;
        owned[index] = message.owned;
      });
    });
    await Promise.all(consumers.map((worker) => worker.waitReady(SETUP_TIMEOUT_MS)));
    if (isRedstream(spec.system) && spec.ordering === 'key') {
      await waitFor(
        () => balancedAssignment(owned, spec.partitions),
        SETUP_TIMEOUT_MS,
        `${spec.label}: partitions balanced over ${spec.consumers} consumers`,
      );
    }

    const callsBefore = await redis.commandCalls();
    const redisCpuBefore = await redis.cpuSeconds();
    const goAt = wallClockMs();
    for (const worker of consumers) worker.send({ kind: 'go' });
    await redis.renameAll(staged.renames);

    const runTimeoutMs = 120_000 + spec.events * 2;
    await waitFor(
      () => handled.reduce((sum, count) => sum + count, 0) >= spec.events,
      runTimeoutMs,
      `${spec.label}: ${spec.events} events handled`,
    );
    const redisCpu = (await redis.cpuSeconds()) - redisCpuBefore;
    const redisCallsPerEvent = commandRates(callsBefore, await redis.commandCalls(), spec.events);
    for (const worker of consumers) worker.send({ kind: 'stop' });
    const results = await Promise.all(
      consumers.map((worker) => worker.result<ConsumeResult>(SETUP_TIMEOUT_MS)),
    );
    await Promise.all(consumers.map((worker) => worker.exit()));

    const total = results.reduce((sum, result) => sum + result.handled, 0);
    const active = results.filter((result) => result.handled > 0);
    const lastAt = Math.max(...active.map((result) => result.lastAt));
    const firstAt = Math.min(...active.map((result) => result.firstAt));
    const notes: string[] = [];
    if (total !== spec.events) notes.push(`handled ${total} deliveries for ${spec.events} events`);
    const idle = results.length - active.length;
    if (idle > 0) notes.push(`${idle} consumer(s) handled nothing`);
    return {
      eventsPerSec: spec.events / ((lastAt - goAt) / 1000),
      handled: total,
      peakRssMb: Math.max(...results.map((result) => result.peakRssMb)),
      firstEventMs: firstAt - goAt,
      cpuUsPerEvent: (results.reduce((sum, result) => sum + result.cpuMs, 0) * 1000) / spec.events,
      redisCpuUsPerEvent: (redisCpu * 1e6) / spec.events,
      redisCallsPerEvent,
      notes,
    };
  } finally {
    await Promise.all(consumers.map((worker) => worker.kill()));
  }
}

/** Every partition owned by exactly one consumer, and shares differing by at most one. */
export function balancedAssignment(
  owned: ReadonlyArray<readonly number[] | undefined>,
  partitions: number,
): boolean {
  const seen = new Set<number>();
  const shares: number[] = [];
  for (const list of owned) {
    if (!list) return false;
    shares.push(list.length);
    for (const partition of list) {
      if (seen.has(partition)) return false;
      seen.add(partition);
    }
  }
  if (seen.size !== partitions) return false;
  return Math.max(...shares) - Math.min(...shares) <= 1;
}

export async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  description: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
