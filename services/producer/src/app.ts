import { createHttpApp, registerHealthRoutes } from '@redstream/service-kit';
import type { StreamClient } from '@redstream/stream-client';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ProducerConfig } from './config.js';
import { discardRequestBody } from './discard-request-body.js';
import type { IngestAdmission } from './ingest-admission.js';
import { IngestError } from './ingest-error.js';
import { createRefusal } from './ingest-refusal.js';
import { registerIngestRoute } from './ingest-route.js';
import { registerJsonBodyParser } from './json-body-parser.js';
import { registerOpenApi } from './openapi.js';
import type { ProducerMetrics } from './producer-metrics.js';
import { registerRecordsRoute } from './records-route.js';
import { TopicGate } from './topic-gate.js';

export interface ProducerAppDeps {
  client: StreamClient;
  metrics: ProducerMetrics;
  logger: Logger;
  /** Extra facts for /healthz (the generator's progress, say). */
  status?: () => Record<string, unknown>;
}

/**
 * The producer's HTTP surface: `POST /topics/:topic/events` and `POST /v1/topics/:topic/records`
 * (unless MODE=generator), `/openapi.json`, `/healthz`, `/readyz`, `/metrics`. Binds nothing:
 * main.ts listens, tests use `inject()` or listen on a free port.
 */
export function createApp(config: ProducerConfig, deps: ProducerAppDeps): FastifyInstance {
  const { client, metrics, logger } = deps;
  const refuseIngest = createRefusal(metrics);
  // Failures before a handler runs: unparseable JSON, an oversize body, a wrong media type,
  // and (before routing) a URL that does not decode or a topic name over the length limit.
  const refuse = async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const failure = frameworkError(error);
    if (failure.reason === 'body-too-large') await discardRequestBody(request.raw);
    return refuseIngest(request, reply, failure, error);
  };
  const app = createHttpApp(logger, { bodyLimit: config.maxBodyBytes, frameworkErrors: refuse });
  app.setErrorHandler(refuse);

  // Events are JSON in UTF-8: any other media type is a 415, not a string body.
  app.removeContentTypeParser('text/plain');
  registerJsonBodyParser(app);
  registerOpenApi(app, config);

  void app.register(async (routes) => {
    if (config.mode !== 'generator') {
      const admission: IngestAdmission = {
        gate: new TopicGate(config, client),
        limiter: client.rateLimiter(config.rateLimit),
        client,
      };
      registerIngestRoute(routes, config, deps, admission, refuseIngest);
      registerRecordsRoute(routes, config, deps, admission, refuseIngest);
    }
    registerHealthRoutes(routes, {
      health: () => ({ status: 'ok', ...deps.status?.() }),
      redis: client.redis,
      metrics: metrics.registry,
    });
  });

  return app;
}

function frameworkError(error: FastifyError): IngestError {
  if (error instanceof IngestError) return error;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new IngestError(413, 'body-too-large', `${error.message}: split the batch`);
  if (error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return new IngestError(error.statusCode ?? 400, 'invalid-url', error.message);
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
