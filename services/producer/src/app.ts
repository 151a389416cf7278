import type { StreamClient } from '@redstream/stream-client';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { ProducerConfig } from './config.js';
import { IngestError } from './ingest-error.js';
import { registerIngestRoute } from './ingest-route.js';
import type { ProducerMetrics } from './producer-metrics.js';

export interface ProducerAppDeps {
  client: StreamClient;
  metrics: ProducerMetrics;
  logger: Logger;
  /** Extra facts for /healthz (the generator's progress, say). */
  status?: () => Record<string, unknown>;
}

const READY_TIMEOUT_MS = 1000;

/**
 * The producer's HTTP surface: `POST /topics/:topic/events` (unless MODE=generator),
 * `/healthz`, `/readyz`, `/metrics`. Binds nothing: main.ts listens, tests use `inject()`.
 */
export function createApp(config: ProducerConfig, deps: ProducerAppDeps): FastifyInstance {
  const { client, metrics, logger } = deps;
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; typing it as such keeps FastifyInstance un-generic.
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request would drown the logs at ingest rates; refusals are logged instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxBodyBytes,
  });

  // Events are JSON: any other media type is a 415, not a string body.
  app.removeContentTypeParser('text/plain');

  // Failures before a handler runs: unparseable JSON, an oversize body, a wrong media type.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const failure = frameworkError(error);
    if (failure.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ reason: failure.reason }, `request refused: ${failure.message}`);
    const topic = (request.params as { topic?: string } | undefined)?.topic ?? '';
    metrics.rejected.inc({ topic, reason: failure.reason });
    void reply.code(failure.statusCode).send(failure.toJSON());
  });

  if (config.mode !== 'generator') registerIngestRoute(app, config, deps);

  app.get('/healthz', async () => ({ status: 'ok', ...deps.status?.() }));

  app.get('/readyz', async (_request, reply) => {
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

function frameworkError(error: FastifyError): IngestError {
  if (error instanceof IngestError) return error;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new IngestError(413, 'body-too-large', `${error.message}: split the batch`);
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new IngestError(
      415,
      'unsupported-media-type',
      `${error.message}; send application/json`,
    );
  if (error.statusCode === 400 || error instanceof SyntaxError)
    return new IngestError(400, 'malformed-json', `the body is not valid JSON: ${error.message}`);
  if (error.statusCode !== undefined && error.statusCode < 500)
    return new IngestError(error.statusCode, 'invalid-body', error.message);
  return new IngestError(500, 'internal', 'internal error');
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
