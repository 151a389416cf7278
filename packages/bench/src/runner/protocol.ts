import type { LatencySummary } from '../stats.js';

/** The systems measured side by side (redis-benchmark runs as its own binary, not a worker). */
export const WORKER_SYSTEMS = ['redstream', 'ioredis-raw', 'bullmq'] as const;
/**
 * `redstream-candidate`: the redstream worker on another build of the library
 * (REDSTREAM_BENCH_CANDIDATE), measured in the same interleaved rounds as the rest.
 */
export type WorkerSystem = (typeof WORKER_SYSTEMS)[number] | 'redstream-candidate';

/** The library build the candidate system loads, when one is configured. */
export function candidateLibrary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.REDSTREAM_BENCH_CANDIDATE || undefined;
}

/** The systems of a scenario, with the candidate right after redstream when configured. */
export function withCandidate(systems: readonly WorkerSystem[]): WorkerSystem[] {
  if (!candidateLibrary()) return [...systems];
  return systems.flatMap((system) =>
    system === 'redstream' ? ['redstream', 'redstream-candidate'] : [system],
  );
}

export function isRedstream(system: string): boolean {
  return system === 'redstream' || system === 'redstream-candidate';
}

interface TaskBase {
  url: string;
  /** Redis Cluster startup nodes (`host:port,...`); when set, used instead of `url`. */
  clusterNodes?: string;
  topic: string;
}

/** Append `events` events, `batchSize` per call, and time it. */
export interface ProduceTask extends TaskBase {
  role: 'produce';
  events: number;
  batchSize: number;
  partitions: number;
  distinctKeys: number;
  /** Pad each payload to about this many bytes of JSON (default: the ~200-byte order). */
  payloadBytes?: number;
  /** Give every event its own id, as a caller that retries does (redstream: idempotent publish). */
  explicitIds?: boolean;
}

/**
 * Stage `events` events where consumers cannot see them yet; the result lists the renames
 * (staged key -> live key) that release them all at once. BullMQ adds its jobs directly: its
 * worker does not run before `go`.
 */
export interface PreloadTask extends TaskBase {
  role: 'preload';
  events: number;
  batchSize: number;
  partitions: number;
  distinctKeys: number;
  group: string;
  /** Pad each payload to about this many bytes of JSON (default: the ~200-byte order). */
  payloadBytes?: number;
}

/** One consumer process: subscribe, report ready, handle from `go` until `stop`. */
export interface ConsumeTask extends TaskBase {
  role: 'consume';
  group: string;
  consumer: string;
  partitions: number;
  ordering: 'none' | 'key';
  readBatch: number;
  concurrency: number;
  maxInFlight: number;
  blockMs: number;
  /** Latency scenario: record publish-to-handler time of events from this sequence on. */
  latencyFromSequence?: number;
  /** Ordering key: heartbeat and session timeout (default 200 and 5000 ms: a quick settle). */
  heartbeatIntervalMs?: number;
  sessionTimeoutMs?: number;
  /** Mark every settled event done (the group's dedupe markers; partitions' memory probe). */
  effectivelyOnce?: boolean;
}

/** Publish one event at a time at a fixed rate, each stamped with its publish time. */
export interface RateProduceTask extends TaskBase {
  role: 'rate-produce';
  partitions: number;
  ratePerSec: number;
  totalMs: number;
  distinctKeys: number;
}

export interface CodecTask {
  role: 'codec';
  rounds: number;
  iterations: number;
}

export type WorkerTask = ProduceTask | PreloadTask | ConsumeTask | RateProduceTask | CodecTask;
export type WorkerRole = WorkerTask['role'];

export interface ProduceResult {
  role: 'produce';
  events: number;
  elapsedMs: number;
  /** CPU time of the producer process while appending, ms. */
  cpuMs: number;
  peakRssMb: number;
}

export interface PreloadResult {
  role: 'preload';
  /** Staged key -> live key; MULTI + RENAME each releases every event at once. */
  renames: Array<[string, string]>;
  peakRssMb: number;
}

export interface ConsumeResult {
  role: 'consume';
  handled: number;
  /** Wall clock (ms) when the handler ran for the first and the last event. */
  firstAt: number;
  lastAt: number;
  peakRssMb: number;
  /** CPU time of this consumer process from go to stop (after the last event), ms. */
  cpuMs: number;
  latency?: LatencySummary;
}

export interface RateProduceResult {
  role: 'rate-produce';
  sent: number;
  elapsedMs: number;
  peakRssMb: number;
}

export interface CodecCase {
  name: string;
  /** ns per encode+decode, one sample per round. */
  nsPerOp: number[];
  /** Bytes of the encoded payload (the `p` field, or the JSON text). */
  payloadBytes: number;
}

export interface CodecResult {
  role: 'codec';
  cases: CodecCase[];
  peakRssMb: number;
}

export type WorkerResult =
  | ProduceResult
  | PreloadResult
  | ConsumeResult
  | RateProduceResult
  | CodecResult;

export type ParentMessage = { kind: 'task'; task: WorkerTask } | { kind: 'go' } | { kind: 'stop' };

export type ChildMessage =
  | { kind: 'ready'; owned?: number[] }
  | { kind: 'progress'; handled: number; owned?: number[] }
  | { kind: 'result'; result: WorkerResult }
  | { kind: 'failed'; message: string };
