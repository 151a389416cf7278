import { createHttpApp, registerHealthRoutes } from '@redstream/service-kit';
import type { StreamClient, Subscription } from '@redstream/stream-client';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ConsumerConfig } from './config.js';
import type { ConsumerServiceMetrics } from './consumer-service-metrics.js';

export interface ConsumerAppDeps {
  client: StreamClient;
  metrics: ConsumerServiceMetrics;
  logger: Logger;
  /** The running subscription, once subscribed. */
  subscription: () => Subscription | undefined;
  /** True from SIGTERM on: the replica is draining. */
  shuttingDown: () => boolean;
}

/**
 * The consumer's HTTP surface: `/healthz` (the process runs), `/readyz` (subscribed, Redis
 * answers, not draining) and `/metrics`. Binds nothing: main.ts listens.
 */
export function createApp(config: ConsumerConfig, deps: ConsumerAppDeps): FastifyInstance {
  const app = createHttpApp(deps.logger);
  registerHealthRoutes(app, {
    health: () => {
      const subscription = deps.subscription();
      return {
        status: 'ok',
        consumer: config.consumerName,
        group: config.group,
        topic: config.topic,
        ordering: config.ordering,
        subscribed: subscription !== undefined,
        shuttingDown: deps.shuttingDown(),
        ownedPartitions: subscription?.ownedPartitions ?? [],
        inFlight: subscription?.inFlight ?? 0,
      };
    },
    notReady: () => {
      if (deps.shuttingDown()) return 'draining';
      return deps.subscription() ? undefined : 'starting';
    },
    redis: deps.client.redis,
    metrics: deps.metrics.registry,
  });
  return app;
}
