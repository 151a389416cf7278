import { readFileSync, statSync } from 'node:fs';
import { isRunId, newRunId } from '@redstream/orders-demo';
import {
  EnvReader,
  LOG_FORMATS,
  readRedisSettings,
  type ServiceConfig,
} from '@redstream/service-kit';
import { type ApiKey, parseApiKeyLines } from './api-keys.js';

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

export interface TopicSpec {
  name: string;
  partitions: number;
}

export interface AuthConfig {
  /** `api-key`: every ingest request needs `Authorization: Bearer <key>`; `none`: nobody does. */
  mode: 'api-key' | 'none';
  keys: ApiKey[];
}

/** Per API key (one shared bucket under AUTH=none); 0 turns a limit off. */
export interface RateLimitConfig {
  eventsPerSecond: number;
  bytesPerSecond: number;
  /** How many seconds of the rate a bucket holds: the largest burst after a quiet spell. */
  burstSeconds: number;
}

export interface ProducerConfig extends ServiceConfig {
  /** The generator's topic; also the one created at start when TOPICS is unset. */
  topic: string;
  partitions: number;
  /** TOPICS: the allow-list, created or checked at start; undefined serves any existing topic. */
  topics: TopicSpec[] | undefined;
  /** Create a topic on its first write (with `defaultPartitions`); only without TOPICS. */
  autoCreateTopics: boolean;
  defaultPartitions: number;
  /** JSON Schema files, `<type>.v<version>.json`; undefined keeps the demo's order schemas. */
  schemasDir: string | undefined;
  unknownTypes: 'reject' | 'passthrough';
  auth: AuthConfig;
  rateLimit: RateLimitConfig;
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
  const partitions = read.integer('PARTITIONS', 8, { min: 1, max: 4096 });
  const mode = read.oneOf('MODE', ['http', 'generator', 'both'], 'http');
  const topic = read.name('TOPIC', 'orders');
  const topics = readTopicList(read, 'TOPICS');
  const autoCreateTopics = read.boolean('AUTO_CREATE_TOPICS', false);
  if (topics && autoCreateTopics)
    read.problem(
      'AUTO_CREATE_TOPICS',
      'false when TOPICS is set (TOPICS is an allow-list: only its topics are served)',
      'true',
    );
  if (topics && mode !== 'http' && !topics.some((spec) => spec.name === topic))
    read.problem('TOPIC', `one of the TOPICS (the generator writes it) in MODE=${mode}`, topic);
  const config: ProducerConfig = {
    redis: readRedisSettings(read),
    topic,
    partitions,
    topics,
    autoCreateTopics,
    defaultPartitions: read.integer('DEFAULT_PARTITIONS', partitions, { min: 1, max: 4096 }),
    schemasDir: readDirectory(read, 'SCHEMAS_DIR'),
    unknownTypes: read.oneOf('UNKNOWN_TYPES', ['reject', 'passthrough'], 'reject'),
    auth: readAuth(read, mode),
    rateLimit: {
      eventsPerSecond: read.integer('RATE_LIMIT_EVENTS_PER_SECOND', 0, { min: 0, max: 1e9 }),
      bytesPerSecond: read.integer('RATE_LIMIT_BYTES_PER_SECOND', 0, { min: 0, max: 1e12 }),
      burstSeconds: read.integer('RATE_LIMIT_BURST_SECONDS', 1, { min: 1, max: 3600 }),
    },
    mode,
    host: read.string('HOST', '0.0.0.0'),
    port: read.integer('PORT', 8080, { min: 0, max: 65535 }),
    logLevel: read.logLevel('LOG_LEVEL', 'info'),
    logFormat: read.oneOf('LOG_FORMAT', LOG_FORMATS, 'json'),
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

/** The topics the gateway serves, the ones it creates at start first. */
export function startTopics(config: ProducerConfig): TopicSpec[] {
  return config.topics ?? [{ name: config.topic, partitions: config.partitions }];
}

/** `name:partitions[,name:partitions...]`, or undefined when unset. */
function readTopicList(read: EnvReader, variable: string): TopicSpec[] | undefined {
  const text = read.raw(variable);
  if (text === undefined) return undefined;
  const specs: TopicSpec[] = [];
  for (const part of text.split(',')) {
    const match = /^\s*([A-Za-z0-9._-]{1,200}):(\d{1,4})\s*$/.exec(part);
    const count = Number(match?.[2]);
    if (!match || count < 1 || count > 4096 || specs.some((spec) => spec.name === match[1])) {
      read.problem(
        variable,
        'name:partitions[,name:partitions...] with distinct names and 1-4096 partitions',
        text,
      );
      return undefined;
    }
    specs.push({ name: match[1]!, partitions: count });
  }
  return specs;
}

function readDirectory(read: EnvReader, variable: string): string | undefined {
  const path = read.raw(variable);
  if (path === undefined) return undefined;
  try {
    if (statSync(path).isDirectory()) return path;
  } catch {
    // reported below
  }
  read.problem(variable, 'the path of a readable directory', path);
  return undefined;
}

/**
 * API keys from API_KEYS_FILE (one line each) and API_KEYS (lines separated by spaces or
 * newlines, for a secret injected as one variable). Without keys the ingest refuses to start
 * unless AUTH=none says so: an open gateway is a decision, never a default.
 */
function readAuth(read: EnvReader, mode: ProducerMode): AuthConfig {
  const authMode = read.oneOf('AUTH', ['api-key', 'none'], 'api-key');
  const keys: ApiKey[] = [];
  const add = (variable: string, text: string, separator: RegExp) => {
    const parsed = parseApiKeyLines(text, separator);
    for (const problem of parsed.problems)
      read.problem(`${variable} line ${problem.line}`, problem.expected, problem.received);
    for (const key of parsed.keys) {
      if (keys.some((known) => known.id === key.id))
        read.problem(variable, `key ids used once (${key.id} is in both)`, key.id);
      else keys.push(key);
    }
  };
  const file = read.raw('API_KEYS_FILE');
  if (file !== undefined) {
    try {
      add('API_KEYS_FILE', readFileSync(file, 'utf8'), /\r?\n/);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      read.problem('API_KEYS_FILE', `the path of a readable file (${reason})`, file);
    }
  }
  const inline = read.raw('API_KEYS');
  if (inline !== undefined) add('API_KEYS', inline, /\s+/);
  if (authMode === 'api-key' && keys.length === 0 && mode !== 'generator')
    read.problem(
      'API_KEYS_FILE',
      'API keys for the ingest (API_KEYS_FILE or API_KEYS; `node dist/new-api-key.js <id>` makes one), or AUTH=none to run without',
      '',
    );
  return { mode: authMode, keys };
}
