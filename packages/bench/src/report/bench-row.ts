/**
 * One line of the report and of the JSON `rows`. The first seven keys are the shape the issue
 * fixes; the rest say how the numbers came about.
 */
export interface BenchRow {
  scenario: string;
  system: string;
  events: number;
  /** Median over rounds. */
  eventsPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Highest peak RSS of the measured process (every consumer, or the producer) in any round. */
  peakRssMb: number | null;
  /** What distinguishes rows of one scenario and system (ordering, consumer count). */
  variant?: string;
  ordering?: 'none' | 'key';
  consumers?: number;
  /**
   * Median CPU per event, microseconds: of the measured client processes (all consumers, or
   * the producer) and of the Redis server. Less sensitive to a busy machine than events/s.
   */
  cpuUsPerEvent?: number;
  redisCpuUsPerEvent?: number;
  /** produce: Redis used_memory grown per event appended (stream entry, markers), bytes. */
  redisBytesPerEvent?: number;
  /** Latency: the largest publish-to-handler time of the median round. */
  maxMs?: number | null;
  rounds: number;
  /** eventsPerSec of each round, in run order. */
  samples: number[];
  /** scale: eventsPerSec over the 1-consumer row of the same ordering. */
  scalingFactor?: number;
  /** codec: median nanoseconds per encode+decode, and the encoded payload size. */
  nsPerOp?: number;
  payloadBytes?: number;
  /** Scale rows (issue 19): partitions of the topic, replica processes in the group. */
  partitions?: number;
  replicas?: number;
  /** payload: megabytes (10^6) of payload JSON per second, at eventsPerSec. */
  mbPerSec?: number;
  /** replicas: over an idle window, per second: Redis CPU, all replicas' CPU, commands. */
  redisCpuMsPerSec?: number;
  clientCpuMsPerSec?: number;
  redisCallsPerSec?: number;
  /**
   * replicas: from spawning the replicas until each owns its share (process start included);
   * from the last replica subscribed until then; and after one replica closes, until the
   * others own its partitions (a graceful leave).
   */
  assignMs?: number;
  rebalanceMs?: number;
  handoverMs?: number;
  /**
   * partitions: Redis memory, bytes: `used_memory` deltas and MEMORY USAGE sums per key kind,
   * divided per partition, per partition and group, or per marker (names say which).
   */
  memory?: Record<string, number>;
  /** partitions, payload: Redis calls per event by command (INFO commandstats), median. */
  redisCallsPerEvent?: Record<string, number>;
  /** replicas: Redis calls per second by command over the idle window. */
  redisCommandsPerSec?: Record<string, number>;
  /** cluster: the server the row ran on (`single`, `cluster of 3 masters`). */
  server?: string;
  /** Ratios of this row's eventsPerSec (or cost, for codec) to other systems in the same run. */
  ratios?: Record<string, number>;
  notes?: string[];
}
