import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ApiKey, findApiKey } from './api-keys.js';
import type { AuthConfig } from './config.js';
import { discardRequestBody } from './discard-request-body.js';
import { IngestError } from './ingest-error.js';

/** Who sent an ingest request: a configured key, or everyone under AUTH=none. */
export interface IngestCaller {
  /** The key id (logs, the rate-limit bucket); `anonymous` under AUTH=none. */
  id: string;
  topics: ReadonlySet<string> | undefined;
}

const ANONYMOUS: IngestCaller = { id: 'anonymous', topics: undefined };
const CHALLENGE = { 'www-authenticate': 'Bearer realm="redstream-producer"' };

/**
 * Checks `Authorization: Bearer <key>` and the key's topic scope. Runs as the ingest routes'
 * onRequest hook, before the body is read: an unauthenticated upload is never parsed.
 * 401 without a key or with a wrong one (the same answer, so a caller cannot tell which), 403
 * for a topic the key may not write.
 */
export function authorizeIngest(auth: AuthConfig, request: FastifyRequest): IngestCaller {
  const topic = (request.params as { topic?: string }).topic ?? '';
  if (auth.mode === 'none') return ANONYMOUS;
  const header = request.headers.authorization;
  const presented = header === undefined ? undefined : /^Bearer +(\S+) *$/i.exec(header)?.[1];
  const key: ApiKey | undefined =
    presented === undefined ? undefined : findApiKey(auth.keys, presented);
  if (!key)
    throw new IngestError(
      401,
      'unauthorized',
      header === undefined
        ? 'send an API key: Authorization: Bearer <key>'
        : 'the API key is not valid (expected Authorization: Bearer <key>)',
      {},
      CHALLENGE,
    );
  if (key.topics && !key.topics.has(topic))
    throw new IngestError(
      403,
      'forbidden-topic',
      `API key ${key.id} may not write topic ${JSON.stringify(topic)} (it may write ${[...key.topics].join(', ')})`,
    );
  return { id: key.id, topics: key.topics };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the ingest routes' auth hook. */
    ingestCaller?: IngestCaller;
  }
}

/** The onRequest hook of the ingest routes; `refuse` answers a refusal (and counts it). */
export function ingestAuthHook(
  auth: AuthConfig,
  refuse: (request: FastifyRequest, reply: FastifyReply, failure: IngestError) => FastifyReply,
) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      request.ingestCaller = authorizeIngest(auth, request);
    } catch (error) {
      if (!(error instanceof IngestError)) throw error;
      // The body was not read: drop it first, or a client still uploading would see its
      // connection reset instead of the 401 (see discardRequestBody).
      await discardRequestBody(request.raw);
      return refuse(request, reply, error);
    }
  };
}
