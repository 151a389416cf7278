import type { FastifyInstance } from 'fastify';
import type { ProducerAppDeps } from './app.js';
import { appendEvents } from './append-events.js';
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
