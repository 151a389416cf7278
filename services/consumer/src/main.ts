import { createOrderRegistry } from '@redstream/orders-demo';
import {
  createStreamClient,
  redactRedisUrl,
  type StreamClient,
  type Subscription,
} from '@redstream/stream-client';
import type { FastifyInstance } from 'fastify';
import { createApp } from './app.js';
import { type ConsumerConfig, loadConsumerConfig } from './config.js';
import { ConsumerServiceMetrics } from './consumer-service-metrics.js';
import { ConfigError } from './env-reader.js';
import { createLogger } from './logger.js';
import { startOrderWorker } from './order-worker.js';

async function main(): Promise<void> {
  let config: ConsumerConfig;
  try {
    config = loadConsumerConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`consumer: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel, 'consumer').child({
    consumer: config.consumerName,
  });
  const metrics = new ConsumerServiceMetrics();
  const stop = new AbortController();
  let client: StreamClient | undefined;
  let app: FastifyInstance | undefined;
  let subscription: Subscription | undefined;
  let shuttingDown: Promise<void> | undefined;

  // SIGTERM/SIGINT: stop reading, let running handlers finish, ack, release the leases (the
  // other replicas take the partitions at once), then exit 0, all within SHUTDOWN_GRACE_MS.
  const shutdown = (reason: string): Promise<void> => {
    shuttingDown ??= (async () => {
      const started = Date.now();
      logger.info({ reason, graceMs: config.shutdownGraceMs }, 'shutting down: draining');
      const force = setTimeout(() => {
        logger.error(
          { graceMs: config.shutdownGraceMs },
          'drain did not finish within the grace period; exiting (unreleased leases expire)',
        );
        logger.flush();
        process.exit(1);
      }, config.shutdownGraceMs);
      force.unref();
      stop.abort();
      const owned = subscription?.ownedPartitions ?? [];
      await subscription?.close();
      logger.info(
        { released: owned, drainMs: Date.now() - started },
        'drained: in-flight events settled, leases released',
      );
      await client?.close();
      await app?.close();
      logger.info({ durationMs: Date.now() - started }, 'stopped');
      logger.flush();
      process.exit(0);
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
      group: config.group,
      ordering: config.ordering,
      concurrency: config.concurrency,
      runId: config.runId,
    },
    'consumer starting',
  );
  try {
    client = await createStreamClient({
      ...(config.redisClusterNodes
        ? { clusterNodes: config.redisClusterNodes }
        : { url: config.redisUrl }),
      logger,
      clientName: 'consumer',
      metricsRegistry: metrics.registry,
      codec: { contentType: 'msgpack', registry: createOrderRegistry() },
    });
  } catch (error) {
    logger.fatal({ err: error }, `cannot start: ${(error as Error).message}`);
    logger.flush();
    process.exit(1);
  }
  const connected = client;
  metrics.setLagSource(() => connected.admin.groupLag(config.topic, config.group));

  // Health answers while the replica joins; /readyz turns 200 once it is subscribed.
  app = createApp(config, {
    client,
    metrics,
    logger,
    subscription: () => subscription,
    shuttingDown: () => shuttingDown !== undefined,
  });
  const address = await app.listen({ host: config.host, port: config.port });
  logger.info({ address }, 'listening');

  try {
    subscription = await startOrderWorker(client, config, { logger, metrics, signal: stop.signal });
  } catch (error) {
    // A SIGTERM while joining closes the client under the subscribe call: the shutdown exits.
    if (shuttingDown) return;
    logger.fatal({ err: error }, `cannot subscribe: ${(error as Error).message}`);
    await client.close().catch(() => {});
    logger.flush();
    process.exit(1);
  }
  if (subscription) logger.info({ ordering: config.ordering }, 'consumer ready');
}

main().catch((error: unknown) => {
  process.stderr.write(`consumer: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
