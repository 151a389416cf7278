import type { StreamClient, Subscription } from '@redstream/stream-client';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
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

const READY_TIMEOUT_MS = 1000;

/**
 * The consumer's HTTP surface: `/healthz` (the process runs), `/readyz` (subscribed, Redis
 * answers, not draining) and `/metrics`. Binds nothing: main.ts listens.
 */
export function createApp(config: ConsumerConfig, deps: ConsumerAppDeps): FastifyInstance {
  const { client, metrics, logger } = deps;
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; typing it as such keeps FastifyInstance un-generic.
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.get('/healthz', async () => {
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
  });

  app.get('/readyz', async (_request, reply) => {
    if (deps.shuttingDown()) return reply.code(503).send({ status: 'draining' });
    if (!deps.subscription()) return reply.code(503).send({ status: 'starting' });
    try {
      await withTimeout(client.redis.ping(), READY_TIMEOUT_MS);
      return { status: 'ready' };
    } catch (error) {
      return reply
        .code(503)
        .send({ status: 'unavailable', reason: `Redis PING failed: ${(error as Error).message}` });
    }
  });

  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  return app;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
