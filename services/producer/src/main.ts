import { createOrderRegistry, OrderGenerator } from '@redstream/orders-demo';
import { createStreamClient, redactRedisUrl, type StreamClient } from '@redstream/stream-client';
import type { FastifyInstance } from 'fastify';
import { createApp } from './app.js';
import { loadProducerConfig, type ProducerConfig } from './config.js';
import { ConfigError } from './env-reader.js';
import { type GeneratorProgress, type GeneratorSummary, runGenerator } from './generator-run.js';
import { createLogger } from './logger.js';
import { ProducerMetrics } from './producer-metrics.js';

/** How long a shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  let config: ProducerConfig;
  try {
    config = loadProducerConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`producer: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel, 'producer');
  const stop = new AbortController();
  let shuttingDown: Promise<void> | undefined;
  let client: StreamClient | undefined;
  let app: FastifyInstance | undefined;
  let generatorRun: Promise<GeneratorSummary> | undefined;

  const shutdown = (reason: string, code = 0): Promise<void> => {
    shuttingDown ??= (async () => {
      logger.info({ reason }, 'shutting down');
      const force = setTimeout(() => {
        logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out; exiting');
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS);
      force.unref();
      stop.abort();
      // The batch in flight finishes, then the final count is logged.
      await generatorRun?.catch(() => {});
      await app?.close();
      await client?.close();
      logger.info('stopped');
      logger.flush();
      process.exit(code);
    })();
    return shuttingDown;
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  logger.info(
    {
      redis: config.redisClusterNodes
        ? `cluster ${config.redisClusterNodes}`
        : redactRedisUrl(config.redisUrl),
      topic: config.topic,
      partitions: config.partitions,
      mode: config.mode,
    },
    'producer starting',
  );
  try {
    client = await createStreamClient({
      ...(config.redisClusterNodes
        ? { clusterNodes: config.redisClusterNodes }
        : { url: config.redisUrl }),
      logger,
      clientName: 'producer',
      // An HTTP producer answers 503 at once while Redis is down instead of queueing requests.
      failFast: true,
      codec: { contentType: 'msgpack', registry: createOrderRegistry() },
    });
    await client.ensureTopic(config.topic, { partitions: config.partitions });
  } catch (error) {
    if (shuttingDown) return; // a SIGTERM while connecting: the shutdown exits
    logger.fatal({ err: error }, `cannot start: ${(error as Error).message}`);
    await client?.close().catch(() => {});
    logger.flush();
    process.exit(1);
  }

  const metrics = new ProducerMetrics();
  const generating = config.mode !== 'http';
  const progress: GeneratorProgress = { runId: config.generator.runId, published: 0, total: null };
  app = createApp(config, {
    client,
    metrics,
    logger,
    ...(generating ? { status: () => ({ generator: { ...progress } }) } : {}),
  });
  const address = await app.listen({ host: config.host, port: config.port });
  logger.info({ address }, 'listening');

  if (!generating) return;
  const { generator: settings } = config;
  generatorRun = runGenerator(
    {
      producer: client.producer(),
      topic: config.topic,
      generator: new OrderGenerator({
        runId: settings.runId,
        keys: settings.keys,
        events: settings.events,
      }),
      rate: settings.rate,
      batchSize: settings.batchSize,
      logger,
      metrics,
      signal: stop.signal,
    },
    progress,
  );
  const summary = await generatorRun;
  if (summary.completed && settings.exitWhenDone) await shutdown('generator done');
}

main().catch((error: unknown) => {
  process.stderr.write(`producer: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
