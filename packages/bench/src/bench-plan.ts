/** The scenarios `pnpm bench` knows, in the order a full run takes them. */
export const SCENARIOS = [
  'produce',
  'consume-none',
  'consume-key',
  'scale',
  'latency',
  'codec',
  'ingest-http',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/**
 * Settings every system gets alike: the same event count and payload, and the same read and
 * write batch sizes. Options a system lacks (raw ioredis has no concurrency knob) are left out.
 */
export const SHARED_SETTINGS = {
  /** Events per publishMany / XADD pipeline / addBulk call. */
  produceBatch: 1000,
  /** Entries per XREADGROUP (redstream batchSize, raw COUNT). */
  readBatch: 500,
  /** Handlers running at once (redstream concurrency, BullMQ Worker concurrency). */
  concurrency: 100,
  /** How long an idle read blocks. */
  blockMs: 1000,
  /** Partitions of the ordering 'key' topic (the none topic has one stream, like the raw loop). */
  keyPartitions: 8,
  /** Distinct keys of the events of the key scenarios. */
  distinctKeys: 1000,
} as const;

export interface BenchPlan {
  mode: 'quick' | 'full';
  produce: { events: number; rounds: number };
  consume: { events: number; rounds: number };
  scale: { events: number; rounds: number; consumers: number[] };
  latency: { ratePerSec: number; warmupMs: number; durationMs: number; rounds: number };
  codec: { rounds: number; iterations: number };
  /** HTTP through the producer gateway beside direct publishMany (batches of 100). */
  ingestHttp: { events: number; rounds: number };
}

const FULL: BenchPlan = {
  mode: 'full',
  produce: { events: 100_000, rounds: 4 },
  consume: { events: 100_000, rounds: 4 },
  scale: { events: 60_000, rounds: 2, consumers: [1, 2, 4] },
  latency: { ratePerSec: 5000, warmupMs: 2000, durationMs: 10_000, rounds: 3 },
  codec: { rounds: 9, iterations: 50_000 },
  ingestHttp: { events: 100_000, rounds: 3 },
};

/**
 * A smoke run: fewer events and rounds, one scale round and a shorter latency window, about
 * 2 minutes on a busy 2-core machine (under 3 with the build). The full run is the reference.
 */
const QUICK: BenchPlan = {
  mode: 'quick',
  produce: { events: 20_000, rounds: 3 },
  consume: { events: 20_000, rounds: 3 },
  scale: { events: 20_000, rounds: 1, consumers: [1, 2, 4] },
  latency: { ratePerSec: 5000, warmupMs: 1000, durationMs: 3000, rounds: 1 },
  codec: { rounds: 5, iterations: 10_000 },
  ingestHttp: { events: 20_000, rounds: 3 },
};

export interface PlanOverrides {
  events?: number;
  rounds?: number;
}

export function benchPlan(quick: boolean, overrides: PlanOverrides = {}): BenchPlan {
  const base = structuredClone(quick ? QUICK : FULL);
  const { events, rounds } = overrides;
  if (events !== undefined) {
    base.produce.events = events;
    base.consume.events = events;
    base.scale.events = events;
    base.ingestHttp.events = events;
  }
  if (rounds !== undefined) {
    base.produce.rounds = rounds;
    base.consume.rounds = rounds;
    base.scale.rounds = rounds;
    base.latency.rounds = rounds;
    base.codec.rounds = rounds;
    base.ingestHttp.rounds = rounds;
  }
  return base;
}
