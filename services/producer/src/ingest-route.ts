import { performance } from 'node:perf_hooks';
import type { EventInput } from '@redstream/codec';
import type { PublishResult } from '@redstream/stream-client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProducerAppDeps } from './app.js';
import type { ProducerConfig } from './config.js';
import { ingestAuthHook } from './ingest-access.js';
import { admitIngest, type IngestAdmission } from './ingest-admission.js';
import { parseIngestBody } from './ingest-body.js';
import { fromPublishError } from './ingest-error.js';
import type { Refuse } from './ingest-refusal.js';
import { documentedOnly, eventsRouteSchema } from './route-schemas.js';

/**
 * `POST /topics/:topic/events`: one event, a JSON array, or `{ events: [...] }`, appended
 * whole or not at all. 202 with the event id, entry id, partition and `duplicate` of each;
 * 4xx/503 with `{ error, message, ... }`.
 */
export function registerIngestRoute(
  app: FastifyInstance,
  config: ProducerConfig,
  deps: ProducerAppDeps,
  admission: IngestAdmission,
  refuse: Refuse,
): void {
  const append = appendEvents(deps);
  app.post<{ Params: { topic: string } }>(
    '/topics/:topic/events',
    {
      schema: eventsRouteSchema,
      ...documentedOnly,
      onRequest: ingestAuthHook(config.auth, refuse),
    },
    async (request, reply) => {
      const { topic } = request.params;
      let batch = false;
      try {
        const body = parseIngestBody(request.body, config.maxBatchEvents);
        batch = body.batch;
        await admitIngest(admission, request, reply, topic, body.events.length);
        // The producer encodes every event before it sends anything: a bad event anywhere in
        // a batch refuses the whole batch (its index in the error), and nothing is half-written.
        const results = await append(request, topic, body.events);
        return reply.code(202).send(batch ? { events: results } : results[0]);
      } catch (error) {
        return refuse(
          request,
          reply,
          fromPublishError(error, deps.client.redis.status === 'ready', batch),
          error,
        );
      }
    },
  );
}

/**
 * Appends encoded-and-checked events with the producer's idempotent publishMany, and counts
 * and logs what was appended. Refuses at once while Redis is not connected: a fail-fast
 * client would refuse the commands anyway, and checking first keeps the whole request out of
 * Redis instead of failing partway through the pipeline.
 */
export function appendEvents({ client, metrics, logger }: ProducerAppDeps) {
  const producer = client.producer();
  return async (
    request: FastifyRequest,
    topic: string,
    events: EventInput[],
  ): Promise<PublishResult[]> => {
    if (client.redis.status !== 'ready') throw fromPublishError(new Error('not connected'), false);
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
    return results;
  };
}

/** The W3C trace id of an event, for log lines about it. */
function traceOf(headers: Record<string, string> | undefined): { traceId?: string } {
  const traceId = headers?.traceparent?.split('-')[1];
  return traceId ? { traceId } : {};
}
