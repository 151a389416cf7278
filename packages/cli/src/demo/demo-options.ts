import { InvalidArgumentError } from 'commander';

export interface DemoOptions {
  /** Events the producer publishes. */
  events: number;
  /** Distinct order ids (event keys). */
  keys: number;
  /** Consumer replicas. */
  consumers: number;
  /** Partitions of the topic. */
  partitions: number;
  ordering: 'key' | 'none';
  /** Replicas SIGKILLed at random moments (each is replaced). */
  kill: number;
  /** A local 3-master Redis Cluster (or REDIS_CLUSTER_NODES) instead of one Redis. */
  cluster: boolean;
  /** Print the report as one JSON object, the last line of stdout. */
  json: boolean;
  /** Serve the live dashboard on this port during the run (0: a free port); off when undefined. */
  dashboardPort?: number | undefined;
}

export const DEMO_DEFAULTS: DemoOptions = {
  events: 20_000,
  keys: 300,
  consumers: 3,
  partitions: 8,
  ordering: 'key',
  kill: 0,
  cluster: false,
  json: false,
};

/** `pnpm demo --dashboard` without a port: the port `redstream dashboard` and compose use. */
export const DEMO_DASHBOARD_PORT = 8090;

/** The demo's fixed names; the compose file uses the same ones. */
export const DEMO_TOPIC = 'orders';
export const DEMO_GROUP = 'order-workers';

/** A commander argument parser for an integer in [min, max]. */
export function integerArgument(min: number, max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (
      !/^\d+$/.test(value.trim()) ||
      !Number.isSafeInteger(number) ||
      number < min ||
      number > max
    )
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}.`);
    return number;
  };
}

/**
 * How long the demo waits for every event to be handled before it reports the missing ones
 * as lost: generous for slow machines, growing with the event count.
 */
export function completionTimeoutMs(events: number): number {
  return Math.max(60_000, 30_000 + events * 5);
}
