import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IngestError } from './ingest-error.js';
import type { ProducerMetrics } from './producer-metrics.js';

export type Refuse = (
  request: FastifyRequest,
  reply: FastifyReply,
  failure: IngestError,
  cause?: unknown,
) => FastifyReply;

/**
 * How every refused request is answered: counted by reason, logged (a warning with the cause
 * for 5xx, info otherwise, never the API key), and sent as `{ error, message, ... }` with the
 * headers the refusal needs (WWW-Authenticate, Retry-After, RateLimit).
 */
export function createRefusal(metrics: ProducerMetrics): Refuse {
  return (request, reply, failure, cause) => {
    const topic = (request.params as { topic?: string } | undefined)?.topic ?? '';
    metrics.rejected.inc({ topic, reason: failure.reason });
    const fields = {
      topic,
      reason: failure.reason,
      ...failure.details,
      ...(request.ingestCaller ? { apiKey: request.ingestCaller.id } : {}),
    };
    if (failure.statusCode >= 500)
      request.log.warn({ ...fields, err: cause }, `ingest refused: ${failure.message}`);
    else request.log.info(fields, `ingest refused: ${failure.message}`);
    return reply.code(failure.statusCode).headers(failure.headers).send(failure.toJSON());
  };
}
