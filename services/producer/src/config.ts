import { isRunId, newRunId } from '@redstream/orders-demo';
import { EnvReader, readRedisSettings, type ServiceConfig } from '@redstream/service-kit';

export type ProducerMode = 'http' | 'generator' | 'both';

export interface GeneratorConfig {
  /** Events to publish; 0 publishes forever. */
  events: number;
  /** Distinct order ids. */
  keys: number;
  /** Events per second; 0 publishes as fast as Redis takes them. */
  rate: number;
  /** Events per publishMany call. */
  batchSize: number;
  runId: string;
  /** Exit (code 0) once `events` are published; otherwise keep serving HTTP. */
  exitWhenDone: boolean;
}

export interface ProducerConfig extends ServiceConfig {
  topic: string;
  partitions: number;
  mode: ProducerMode;
  host: string;
  /** 0 picks a free port (tests, the demo). */
  port: number;
  /** Largest request body, bytes (413 above). */
  maxBodyBytes: number;
  /** Most events in one POST (413 above). */
  maxBatchEvents: number;
  generator: GeneratorConfig;
}

/** Parses and validates the environment once; throws a ConfigError naming every bad variable. */
export function loadProducerConfig(env: NodeJS.ProcessEnv): ProducerConfig {
  const read = new EnvReader(env);
  const runId = read.string('RUN_ID', newRunId());
  if (!isRunId(runId)) read.problem('RUN_ID', '1-64 characters of A-Z a-z 0-9 _ -', runId);
  const config: ProducerConfig = {
    redis: readRedisSettings(read),
    topic: read.name('TOPIC', 'orders'),
    partitions: read.integer('PARTITIONS', 8, { min: 1, max: 4096 }),
    mode: read.oneOf('MODE', ['http', 'generator', 'both'], 'http'),
    host: read.string('HOST', '0.0.0.0'),
    port: read.integer('PORT', 8080, { min: 0, max: 65535 }),
    logLevel: read.logLevel('LOG_LEVEL', 'info'),
    maxBodyBytes: read.integer('MAX_BODY_BYTES', 1024 * 1024, {
      min: 1024,
      max: 512 * 1024 * 1024,
    }),
    maxBatchEvents: read.integer('MAX_BATCH_EVENTS', 1000, { min: 1, max: 100_000 }),
    generator: {
      events: read.integer('GENERATOR_EVENTS', 0, { min: 0 }),
      keys: read.integer('GENERATOR_KEYS', 300, { min: 1, max: 10_000_000 }),
      rate: read.integer('GENERATOR_RATE', 0, { min: 0, max: 10_000_000 }),
      batchSize: read.integer('GENERATOR_BATCH', 500, { min: 1, max: 10_000 }),
      runId,
      exitWhenDone: read.boolean('EXIT_WHEN_DONE', false),
    },
  };
  read.finish();
  return config;
}
