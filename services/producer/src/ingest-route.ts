import { performance } from 'node:perf_hooks';
import { CodecError } from '@redstream/codec';
import type { FastifyInstance } from 'fastify';
import type { ProducerAppDeps } from './app.js';
import type { ProducerConfig } from './config.js';
import { parseIngestBody } from './ingest-body.js';
import { fromCodecError, fromPublishError } from './ingest-error.js';

/**
 * `POST /topics/:topic/events`: one event, a JSON array, or `{ events: [...] }`. 202 with the
 * event id, entry id, partition and `duplicate` of each; 4xx/503 with `{ error, message, ... }`.
 */
export function registerIngestRoute(
  app: FastifyInstance,
  config: ProducerConfig,
  { client, metrics, logger }: ProducerAppDeps,
): void {
  const producer = client.producer();
  const redisReady = () => client.redis.status === 'ready';

  app.post<{ Params: { topic: string } }>('/topics/:topic/events', async (request, reply) => {
    const { topic } = request.params;
    try {
      const { events, batch } = parseIngestBody(request.body, config.maxBatchEvents);
      await client.topics.requireTopic(topic);
      // Every event is checked and encoded before anything is sent: a bad event anywhere in
      // a batch refuses the whole batch, and nothing is half-written.
      events.forEach((event, index) => {
        try {
          client.codec.encode(event);
        } catch (error) {
          if (error instanceof CodecError) throw fromCodecError(error, index, batch);
          throw error;
        }
      });
      // A fail-fast client would refuse commands anyway; checking first keeps the whole
      // request out of Redis instead of failing partway through the pipeline.
      if (!redisReady()) throw fromPublishError(new Error('not connected'), false);
      const started = performance.now();
      const results = await producer.publishMany(topic, events);
      const labels = { topic, source: 'http' };
      metrics.publishDuration.observe(labels, (performance.now() - started) / 1000);
      metrics.accepted.inc(labels, results.length);
      const duplicates = results.filter((result) => result.duplicate).length;
      if (duplicates > 0) metrics.duplicates.inc(labels, duplicates);
      if (logger.isLevelEnabled('debug')) {
        results.forEach((result, index) => {
          const event = events[index];
          request.log.debug(
            { topic, ...result, type: event?.type, ...traceOf(event?.headers) },
            'event accepted',
          );
        });
      }
      return reply.code(202).send(batch ? { events: results } : results[0]);
    } catch (error) {
      const failure = fromPublishError(error, redisReady());
      metrics.rejected.inc({ topic, reason: failure.reason });
      const fields = { topic, reason: failure.reason, ...failure.details };
      if (failure.statusCode >= 500)
        request.log.warn({ ...fields, err: error }, `ingest refused: ${failure.message}`);
      else request.log.info(fields, `ingest refused: ${failure.message}`);
      return reply.code(failure.statusCode).send(failure.toJSON());
    }
  });
}

/** The W3C trace id of an event, for log lines about it. */
function traceOf(headers: Record<string, string> | undefined): { traceId?: string } {
  const traceId = headers?.traceparent?.split('-')[1];
  return traceId ? { traceId } : {};
}
