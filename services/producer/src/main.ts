// Must stay the first import: OpenTelemetry starts before fastify loads node:http.
import './tracing.js';
import { OrderGenerator } from '@redstream/orders-demo';
import { redisConnectionOptions, runService, type ServiceContext } from '@redstream/service-kit';
import { createStreamClient } from '@redstream/stream-client';
import { createApp } from './app.js';
import { loadProducerConfig, type ProducerConfig, startTopics } from './config.js';
import { type GeneratorProgress, runGenerator } from './generator-run.js';
import { ProducerMetrics } from './producer-metrics.js';
import { loadProducerSchemas } from './producer-schemas.js';
import { TopicGate } from './topic-gate.js';
import { telemetry } from './tracing.js';

/**
 * Connects (fail-fast), creates or checks the topic, listens, and in generator mode publishes
 * the demo workload; SIGTERM lets the batch in flight finish and logs the final count.
 */
async function startProducer({
  config,
  logger,
  signal,
  onStop,
  shutdown,
}: ServiceContext<ProducerConfig>): Promise<void> {
  // Registered first, so it runs last: the spans of the final requests are exported too.
  onStop(async () => telemetry?.shutdown());
  // Schema files are compiled before connecting: a bad one stops the start at once.
  const schemas = loadProducerSchemas(config);
  logger.info(
    { schemas: schemas.source, types: schemas.types, unknownTypes: config.unknownTypes },
    'schemas loaded',
  );
  if (config.mode !== 'generator' && config.auth.mode === 'none')
    logger.warn('AUTH=none: the ingest accepts requests without an API key');
  else if (config.mode !== 'generator')
    logger.info({ apiKeys: config.auth.keys.map((key) => key.id) }, 'API keys loaded');
  const client = await createStreamClient({
    ...redisConnectionOptions(config.redis),
    logger,
    clientName: 'producer',
    // An HTTP producer answers 503 at once while Redis is down instead of queueing requests.
    failFast: true,
    codec: { contentType: 'msgpack', registry: schemas.registry },
  });
  onStop(() => client.close());
  await new TopicGate(config, client).createAtStart();

  const metrics = new ProducerMetrics();
  const generating = config.mode !== 'http';
  const progress: GeneratorProgress = { runId: config.generator.runId, published: 0, total: null };
  const app = createApp(config, {
    client,
    metrics,
    logger,
    ...(generating ? { status: () => ({ generator: { ...progress } }) } : {}),
  });
  onStop(() => app.close());
  const address = await app.listen({ host: config.host, port: config.port });
  logger.info({ address }, 'listening');

  if (!generating) return;
  const { generator: settings } = config;
  const generatorRun = runGenerator(
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
      signal,
    },
    progress,
  );
  // On shutdown the batch in flight finishes, then the final count is logged.
  onStop(() => generatorRun.catch(() => {}));
  generatorRun.then(
    (summary) => {
      if (summary.completed && settings.exitWhenDone) void shutdown('generator done');
    },
    (error: unknown) => {
      logger.fatal({ err: error }, `generator failed: ${(error as Error).message}`);
      void shutdown('generator failed', 1);
    },
  );
}

void runService({
  name: 'producer',
  loadConfig: loadProducerConfig,
  describe: (config) => ({
    topics: startTopics(config),
    autoCreateTopics: config.autoCreateTopics,
    mode: config.mode,
    auth: config.auth.mode,
    rateLimit: config.rateLimit,
  }),
  start: startProducer,
});
