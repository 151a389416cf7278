import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OrderEvent, OrderGenerator } from '@redstream/orders-demo';
import type { Producer } from '@redstream/stream-client';
import type { Logger } from 'pino';
import type { ProducerMetrics } from './producer-metrics.js';

export interface GeneratorRunOptions {
  producer: Producer;
  topic: string;
  generator: OrderGenerator;
  /** Events per second; 0 = as fast as Redis takes them. */
  rate: number;
  batchSize: number;
  logger: Logger;
  metrics: ProducerMetrics;
  /** Stops after the batch in flight (SIGTERM). */
  signal: AbortSignal;
  progressIntervalMs?: number;
}

export interface GeneratorSummary {
  runId: string;
  published: number;
  durationMs: number;
  eventsPerSecond: number;
  /** False when stopped by the signal before the count was reached. */
  completed: boolean;
}

/** What /healthz shows while the generator runs. */
export interface GeneratorProgress {
  runId: string;
  published: number;
  total: number | null;
}

const RETRY_BASE_MS = 200;
const RETRY_MAX_MS = 5000;

/**
 * Publishes the generator's events in batches, paced to `rate`. A batch that fails (Redis
 * down) is sent again with the same event ids until it goes through, so the producer's
 * idempotent publish appends each event once and per-order seq order holds. Logs progress
 * every second and a final line with the count published.
 */
export async function runGenerator(
  options: GeneratorRunOptions,
  progress: GeneratorProgress = {
    runId: options.generator.runId,
    published: 0,
    total: null,
  },
): Promise<GeneratorSummary> {
  const { topic, generator, rate, logger, signal } = options;
  const batchSize =
    rate > 0 ? Math.max(1, Math.min(options.batchSize, Math.ceil(rate / 20))) : options.batchSize;
  const progressIntervalMs = options.progressIntervalMs ?? 1000;
  const started = performance.now();
  let lastProgress = started;
  progress.total = generator.total ?? null;
  logger.info(
    {
      runId: generator.runId,
      topic,
      total: generator.total ?? 'forever',
      keys: generator.keys,
      rate: rate || 'max',
    },
    'generator started',
  );

  while (!generator.done && !signal.aborted) {
    const batch = generator.take(batchSize);
    const ok = await publishUntilDone(batch, options);
    if (!ok) break;
    progress.published += batch.length;

    const now = performance.now();
    if (now - lastProgress >= progressIntervalMs) {
      lastProgress = now;
      logger.info(
        {
          runId: generator.runId,
          published: progress.published,
          total: generator.total ?? null,
          eventsPerSecond: Math.round(progress.published / ((now - started) / 1000)),
        },
        'generator progress',
      );
    }
    if (rate > 0) {
      const dueAt = started + (progress.published / rate) * 1000;
      const wait = dueAt - performance.now();
      if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => {});
    }
  }

  const durationMs = Math.round(performance.now() - started);
  const summary: GeneratorSummary = {
    runId: generator.runId,
    published: progress.published,
    durationMs,
    eventsPerSecond: durationMs > 0 ? Math.round(progress.published / (durationMs / 1000)) : 0,
    completed: generator.done,
  };
  logger.info({ ...summary, topic }, 'generator finished');
  return summary;
}

/** Publishes one batch, retrying with backoff while Redis is unreachable; false when aborted. */
async function publishUntilDone(
  batch: OrderEvent[],
  options: GeneratorRunOptions,
): Promise<boolean> {
  const { producer, topic, logger, metrics, signal } = options;
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    try {
      const results = await producer.publishMany(topic, batch);
      metrics.publishDuration.observe(
        { topic, source: 'generator' },
        (performance.now() - started) / 1000,
      );
      metrics.accepted.inc({ topic, source: 'generator' }, results.length);
      const duplicates = results.filter((result) => result.duplicate).length;
      if (duplicates > 0) metrics.duplicates.inc({ topic, source: 'generator' }, duplicates);
      if (attempt > 1)
        logger.info({ attempt, duplicates }, 'generator batch published after retrying');
      return true;
    } catch (error) {
      if (signal.aborted) return false;
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempt - 1));
      logger.warn(
        { err: error, attempt, retryInMs: delay },
        'generator batch failed; retrying with the same event ids',
      );
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        return false;
      }
    }
  }
}
