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
 * What a request must pass once its body is parsed, before anything is encoded: the topic is
 * served (404 otherwise), and the caller's buckets hold `events` events and the body's bytes
 * (429 with Retry-After otherwise). The RateLimit fields go on every answer, refused or not.
 */
export async function admitIngest(
  { gate, limiter, client }: IngestAdmission,
  request: FastifyRequest,
  reply: FastifyReply,
  topic: string,
  events: number,
): Promise<TopicInfo> {
  const info = await gate.resolve(topic);
  if (!limiter.enabled) return info;
  // Without a connection the limit cannot be checked; the request then fails as a 503 below
  // instead of waiting on a command a fail-fast client refuses anyway.
  if (client.redis.status !== 'ready') return info;
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
  return info;
}
