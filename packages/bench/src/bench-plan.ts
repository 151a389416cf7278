/** The scenarios `pnpm bench` knows, in the order a full run takes them. */
export const SCENARIOS = [
  'produce',
  'consume-none',
  'consume-key',
  'scale',
  'latency',
  'codec',
  'ingest-http',
  'partitions',
  'replicas',
  'payload',
  'cluster',
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
  /**
   * Scale rows (issue 19). partitions: consume-key over more partitions, same events, plus
   * a memory probe of the topic and its groups at each count.
   */
  partitions: {
    events: number;
    rounds: number;
    counts: number[];
    markers: number;
    /** The same counts at one fixed rate: one producer, one consumer, like the latency run. */
    paced: { ratePerSec: number; warmupMs: number; durationMs: number };
  };
  /** Idle replica processes of one ordered group: Redis CPU per second, rebalance times. */
  replicas: { counts: number[]; partitions: number; idleMs: number };
  /** Produce and consume at each payload size; events = min(events, maxBytes / size). */
  payload: { sizes: number[]; events: number; maxBytes: number; rounds: number };
  /** The same workloads on a single Redis and on a cluster of `masters` masters. */
  cluster: {
    masters: number;
    events: number;
    rounds: number;
    latency: { warmupMs: number; durationMs: number };
  };
}

const FULL: BenchPlan = {
  mode: 'full',
  produce: { events: 100_000, rounds: 4 },
  consume: { events: 100_000, rounds: 4 },
  scale: { events: 60_000, rounds: 2, consumers: [1, 2, 4] },
  latency: { ratePerSec: 5000, warmupMs: 2000, durationMs: 10_000, rounds: 3 },
  codec: { rounds: 9, iterations: 50_000 },
  ingestHttp: { events: 100_000, rounds: 3 },
  partitions: {
    events: 60_000,
    rounds: 2,
    counts: [8, 64, 512],
    markers: 1000,
    paced: { ratePerSec: 5000, warmupMs: 2000, durationMs: 5000 },
  },
  replicas: { counts: [1, 8, 32], partitions: 64, idleMs: 10_000 },
  payload: { sizes: [200, 4096, 65_536], events: 50_000, maxBytes: 128 * 2 ** 20, rounds: 2 },
  cluster: {
    masters: 3,
    events: 60_000,
    rounds: 2,
    latency: { warmupMs: 2000, durationMs: 5000 },
  },
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
  partitions: {
    events: 20_000,
    rounds: 1,
    counts: [8, 64, 512],
    markers: 500,
    paced: { ratePerSec: 5000, warmupMs: 2000, durationMs: 2000 },
  },
  replicas: { counts: [1, 4, 8], partitions: 64, idleMs: 3000 },
  payload: { sizes: [200, 4096, 65_536], events: 10_000, maxBytes: 64 * 2 ** 20, rounds: 1 },
  cluster: {
    masters: 3,
    events: 20_000,
    rounds: 1,
    latency: { warmupMs: 2000, durationMs: 2000 },
  },
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
    base.partitions.events = events;
    base.payload.events = events;
    base.cluster.events = events;
  }
  if (rounds !== undefined) {
    base.produce.rounds = rounds;
    base.consume.rounds = rounds;
    base.scale.rounds = rounds;
    base.latency.rounds = rounds;
    base.codec.rounds = rounds;
    base.ingestHttp.rounds = rounds;
    base.partitions.rounds = rounds;
    base.payload.rounds = rounds;
    base.cluster.rounds = rounds;
  }
  return base;
}
