// Must stay the first import: OpenTelemetry starts before fastify loads node:http.
import './tracing.js';
import { createOrderRegistry } from '@redstream/orders-demo';
import { redisConnectionOptions, runService, type ServiceContext } from '@redstream/service-kit';
import { createStreamClient, type Subscription } from '@redstream/stream-client';
import { createApp } from './app.js';
import { type ConsumerConfig, loadConsumerConfig } from './config.js';
import { ConsumerServiceMetrics } from './consumer-service-metrics.js';
import { startOrderWorker } from './order-worker.js';
import { telemetry } from './tracing.js';

/**
 * Connects, serves health while it joins the group, then runs the order handler. SIGTERM:
 * stop reading, let running handlers finish, ack, release the leases (the other replicas take
 * the partitions at once), then exit 0, all within SHUTDOWN_GRACE_MS.
 */
async function startConsumer(context: ServiceContext<ConsumerConfig>): Promise<void> {
  const { config, logger, onStop } = context;
  // Registered first, so it runs last: the spans of the drain are exported too.
  onStop(async () => telemetry?.shutdown());
  const metrics = new ConsumerServiceMetrics();
  const client = await createStreamClient({
    ...redisConnectionOptions(config.redis),
    logger,
    clientName: 'consumer',
    metricsRegistry: metrics.registry,
    codec: { contentType: 'msgpack', registry: createOrderRegistry() },
  });
  onStop(() => client.close());
  metrics.setLagSource(() => client.admin.groupLag(config.topic, config.group));

  // Health answers while the replica joins; /readyz turns 200 once it is subscribed.
  let subscription: Subscription | undefined;
  const app = createApp(config, {
    client,
    metrics,
    logger,
    subscription: () => subscription,
    shuttingDown: () => context.shuttingDown,
  });
  onStop(() => app.close());
  const address = await app.listen({ host: config.host, port: config.port });
  logger.info({ address }, 'listening');

  // Undefined when a SIGTERM came while waiting for the topic.
  subscription = await startOrderWorker(client, config, {
    logger,
    metrics,
    signal: context.signal,
  });
  if (!subscription) return;
  const running = subscription;
  onStop(async () => {
    const started = Date.now();
    const owned = running.ownedPartitions;
    await running.close();
    logger.info(
      { released: owned, drainMs: Date.now() - started },
      'drained: in-flight events settled, leases released',
    );
  });
  logger.info({ ordering: config.ordering }, 'consumer ready');
}

void runService({
  name: 'consumer',
  loadConfig: loadConsumerConfig,
  describe: (config) => ({
    topic: config.topic,
    group: config.group,
    ordering: config.ordering,
    concurrency: config.concurrency,
    runId: config.runId,
  }),
  logFields: (config) => ({ consumer: config.consumerName }),
  shutdownGraceMs: (config) => config.shutdownGraceMs,
  start: startConsumer,
});
