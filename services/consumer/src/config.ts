import { hostname } from 'node:os';
import { isRunId } from '@redstream/orders-demo';
import { EnvReader, readRedisSettings, type ServiceConfig } from '@redstream/service-kit';
import type { StartPosition } from '@redstream/stream-client';

export interface ConsumerConfig extends ServiceConfig {
  topic: string;
  group: string;
  /** When set, the topic is created with it or checked against the stored count; else the stored count is used. */
  partitions: number | undefined;
  ordering: 'key' | 'none';
  concurrency: number;
  consumerName: string;
  startFrom: StartPosition;
  maxDeliveries: number;
  host: string;
  /** 0 picks a free port (tests, the demo). */
  port: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  claimIdleMs: number;
  /** A handler run past this counts as failed (0: off). */
  handlerTimeoutMs: number;
  /** Handlers running with none completing for this long: the replica gives its work up (0: off). */
  progressTimeoutMs: number;
  /** SIGTERM to exit: draining, acking and releasing leases must fit in it. */
  shutdownGraceMs: number;
  /** When set, events of other demo runs are acknowledged and skipped. */
  runId: string | undefined;
}

/** Parses and validates the environment once; throws a ConfigError naming every bad variable. */
export function loadConsumerConfig(env: NodeJS.ProcessEnv): ConsumerConfig {
  const read = new EnvReader(env);
  const runId = read.raw('RUN_ID');
  if (runId !== undefined && !isRunId(runId))
    read.problem('RUN_ID', '1-64 characters of A-Z a-z 0-9 _ -', runId);
  const config: ConsumerConfig = {
    redis: readRedisSettings(read),
    topic: read.name('TOPIC', 'orders'),
    group: read.name('GROUP', 'order-workers'),
    partitions: read.optionalInteger('PARTITIONS', { min: 1, max: 4096 }),
    ordering: read.oneOf('ORDERING', ['key', 'none'], 'key'),
    concurrency: read.integer('CONCURRENCY', 16, { min: 1, max: 10_000 }),
    // Each compose replica has its own hostname (the container id), so names are distinct.
    consumerName: read.name('CONSUMER_NAME', hostname()),
    startFrom: startPosition(read),
    maxDeliveries: read.integer('MAX_DELIVERIES', 5, { min: 1, max: 1000 }),
    host: read.string('HOST', '0.0.0.0'),
    port: read.integer('PORT', 8081, { min: 0, max: 65535 }),
    logLevel: read.logLevel('LOG_LEVEL', 'info'),
    sessionTimeoutMs: read.integer('SESSION_TIMEOUT_MS', 10_000, { min: 200, max: 3_600_000 }),
    heartbeatIntervalMs: read.integer('HEARTBEAT_INTERVAL_MS', 1000, { min: 50, max: 600_000 }),
    claimIdleMs: read.integer('CLAIM_IDLE_MS', 30_000, { min: 100, max: 86_400_000 }),
    handlerTimeoutMs: read.integer('HANDLER_TIMEOUT_MS', 300_000, { min: 0, max: 86_400_000 }),
    progressTimeoutMs: read.integer('PROGRESS_TIMEOUT_MS', 600_000, { min: 0, max: 86_400_000 }),
    shutdownGraceMs: read.integer('SHUTDOWN_GRACE_MS', 25_000, { min: 1000, max: 3_600_000 }),
    runId,
  };
  if (config.heartbeatIntervalMs * 2 > config.sessionTimeoutMs) {
    read.problem(
      'HEARTBEAT_INTERVAL_MS',
      `at most half of SESSION_TIMEOUT_MS (${config.sessionTimeoutMs})`,
      String(config.heartbeatIntervalMs),
    );
  }
  read.finish();
  return config;
}

/**
 * START_FROM: `beginning`, `end`, an entry id (`1700000000000-0`), a time in ms since the
 * epoch (`1700000000000`) or an ISO 8601 time. It only applies when the group is created;
 * an existing group keeps its position.
 */
function startPosition(read: EnvReader): StartPosition {
  const text = read.raw('START_FROM');
  if (text === undefined || text === 'beginning') return 'beginning';
  if (text === 'end') return 'end';
  if (/^\d+-\d+$/.test(text)) return { id: text };
  if (/^\d+$/.test(text)) return { timestamp: Number(text) };
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isFinite(time)) return { timestamp: time };
  read.problem(
    'START_FROM',
    'beginning, end, an entry id like 1700000000000-0, a time in ms, or an ISO 8601 time',
    text,
  );
  return 'beginning';
}
