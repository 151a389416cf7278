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
  /** Ratios of this row's eventsPerSec (or cost, for codec) to other systems in the same run. */
  ratios?: Record<string, number>;
  notes?: string[];
}
