import type { RateLimiter, StreamClient, TopicInfo } from '@redstream/stream-client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IngestError } from './ingest-error.js';
import { rateLimitHeaders } from './rate-limit-headers.js';
import type { TopicGate } from './topic-gate.js';

export interface IngestAdmission {
  gate: TopicGate;
  limiter: RateLimiter;
  client: StreamClient;
}

/**
 * What a request must pass once its body is parsed, before anything is encoded: the caller's
 * buckets hold `events` events and the body's bytes (429 with Retry-After otherwise), then the
 * topic is served (404 otherwise). The limit comes first so that a caller over its limit cannot
 * make the gateway do anything on its behalf, creating a topic (AUTO_CREATE_TOPICS) included.
 * The RateLimit fields go on every answer, refused or not.
 */
export async function admitIngest(
  { gate, limiter, client }: IngestAdmission,
  request: FastifyRequest,
  reply: FastifyReply,
  topic: string,
  events: number,
): Promise<TopicInfo> {
  // Without a connection the limit cannot be checked; the request then fails as a 503 in the
  // topic check or the append instead of waiting on a command a fail-fast client refuses anyway.
  if (limiter.enabled && client.redis.status === 'ready') {
    const caller = request.ingestCaller?.id ?? 'anonymous';
    const decision = await limiter.take(caller, { events, bytes: request.bodyBytes ?? 0 });
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed)
      throw new IngestError(
        429,
        'rate-limited',
        `API key ${caller} is over its rate limit; retry in ${headers['retry-after']} s`,
        {},
        headers,
      );
    reply.headers(headers);
  }
  return gate.resolve(topic);
}
