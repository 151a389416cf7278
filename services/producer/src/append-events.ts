import { performance } from 'node:perf_hooks';
import type { EventInput } from '@redstream/codec';
import type { PublishResult } from '@redstream/stream-client';
import type { FastifyRequest } from 'fastify';
import type { ProducerAppDeps } from './app.js';
import { fromPublishError } from './ingest-error.js';

/**
 * Appends events with the producer's idempotent publishMany (which encodes and checks every
 * event before it sends any: an InvalidEventError appends nothing), and counts and logs what
 * was appended. Refuses at once while Redis is not connected: a fail-fast
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
