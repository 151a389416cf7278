/**
 * JSON Schemas of the ingest routes: what /openapi.json is generated from. They describe; the
 * routes check bodies themselves (ingest-body.ts, records-body.ts) to answer with the
 * documented reasons and paths, so fastify's validation and serialization are turned off for
 * these routes (see `documentedOnly`). test/openapi.test.ts validates real answers against the
 * generated document, which keeps these schemas honest.
 */
import type { FastifySchema } from 'fastify';
import { REJECT_REASONS } from './ingest-error.js';
import { JSON_MEDIA_TYPES } from './json-body-parser.js';

const REASONS = [...REJECT_REASONS];

const headers = {
  type: 'object',
  description: 'Event headers (W3C traceparent, custom): string values',
  additionalProperties: { type: 'string' },
} as const;

const commonFields = {
  type: { type: 'string', minLength: 1, description: 'Event type, e.g. order.paid' },
  key: {
    type: ['string', 'null'],
    description: 'Partition key: the same key always lands on the same partition',
  },
  id: {
    type: 'string',
    minLength: 1,
    description: 'Event id and idempotency key: a retry with the same id appends nothing',
  },
  headers,
  schemaVersion: { type: 'integer', minimum: 1, description: 'Schema version; default newest' },
} as const;

const event = {
  type: 'object',
  required: ['type', 'payload'],
  additionalProperties: false,
  properties: { ...commonFields, payload: { description: 'The payload (any JSON value)' } },
} as const;

const record = {
  type: 'object',
  required: ['type', 'value'],
  additionalProperties: false,
  properties: { ...commonFields, value: { description: 'The payload (any JSON value)' } },
} as const;

const issue = {
  type: 'object',
  required: ['path', 'message'],
  properties: { path: { type: 'string' }, message: { type: 'string' } },
} as const;

const appended = {
  type: 'object',
  required: ['eventId', 'entryId', 'partition', 'duplicate'],
  additionalProperties: false,
  properties: {
    eventId: { type: 'string' },
    entryId: { type: 'string', description: 'Stream entry id, e.g. 1714564800000-0' },
    partition: { type: 'integer', minimum: 0 },
    duplicate: { type: 'boolean', description: 'The id was already published: nothing appended' },
  },
} as const;

const offset = {
  type: 'object',
  required: ['partition', 'offset', 'eventId', 'duplicate', 'error_code', 'error'],
  additionalProperties: false,
  properties: {
    partition: { type: ['integer', 'null'], minimum: 0 },
    offset: { type: ['string', 'null'], description: 'The stream entry id; null when refused' },
    eventId: { type: ['string', 'null'], description: 'null for a refused record without id' },
    duplicate: { type: 'boolean' },
    error_code: {
      type: ['integer', 'null'],
      description: 'HTTP status the record alone would have got (400, 413, 422); null when written',
    },
    error: { type: ['string', 'null'] },
    reason: { type: 'string', enum: REASONS, description: 'Stable reason of a refused record' },
    path: { type: 'string', description: 'Where in the body the problem is' },
    issues: { type: 'array', items: issue },
  },
} as const;

const offsets = { type: 'array', items: offset, description: 'One per record, in record order' };

/** Response header fields, as @fastify/swagger moves them into the response object. */
const rateLimitHeaders = {
  'ratelimit-policy': {
    type: 'string',
    description:
      'Rate-limit policies (draft-ietf-httpapi-ratelimit-headers): "events";q=..;w=..;qu="events", "bytes";...; only when limits are on',
  },
  ratelimit: {
    type: 'string',
    description: 'State per policy: "events";r=<remaining>;t=<seconds until full>, ...',
  },
} as const;

const refusalHeaders: Partial<Record<number, Record<string, unknown>>> = {
  401: {
    'www-authenticate': { type: 'string', description: 'Bearer realm="redstream-producer"' },
  },
  429: {
    'retry-after': { type: 'string', description: 'Seconds to wait (RFC 9110)' },
    ...rateLimitHeaders,
  },
};

function refusal(description: string, status?: number) {
  return {
    description,
    ...(status !== undefined && refusalHeaders[status] ? { headers: refusalHeaders[status] } : {}),
    type: 'object',
    required: ['error', 'message'],
    additionalProperties: false,
    properties: {
      error: { type: 'string', enum: REASONS },
      message: { type: 'string' },
      index: { type: 'integer', minimum: 0, description: 'The event of a batch' },
      path: { type: 'string', description: 'Where in the body, e.g. events[1].payload.qty' },
      issues: { type: 'array', items: issue },
      offsets,
    },
  } as const;
}

const refusals = {
  400: refusal('Malformed JSON, a body or event of the wrong shape, an invalid topic name'),
  401: refusal('No API key, or a wrong one (WWW-Authenticate: Bearer)', 401),
  403: refusal('The API key may not write this topic'),
  404: refusal('The topic does not exist or is not served (TOPICS)'),
  413: refusal('Body, batch or payload over its limit'),
  415: refusal('Not application/json in UTF-8'),
  422: refusal('Unknown event type or a payload that fails its schema'),
  429: refusal(
    'Over the API key rate limit: Retry-After and RateLimit-Policy/RateLimit say when',
    429,
  ),
  503: refusal('Redis is unreachable: nothing was written; retry with the same ids'),
} as const;

const topicParams = {
  type: 'object',
  required: ['topic'],
  properties: { topic: { type: 'string', description: 'Topic name (A-Z a-z 0-9 . _ -)' } },
} as const;

const security = [{ apiKey: [] }];

export const eventsRouteSchema: FastifySchema = {
  summary: 'Append one event or a batch (all or nothing)',
  tags: ['ingest'],
  params: topicParams,
  body: {
    oneOf: [
      event,
      { type: 'array', items: event, minItems: 1 },
      {
        type: 'object',
        required: ['events'],
        additionalProperties: false,
        properties: { events: { type: 'array', items: event, minItems: 1 } },
      },
    ],
  },
  response: {
    202: {
      description: 'Appended: one event answers its result, a batch `{ events: [...] }`',
      headers: rateLimitHeaders,
      oneOf: [
        appended,
        {
          type: 'object',
          required: ['events'],
          additionalProperties: false,
          properties: { events: { type: 'array', items: appended } },
        },
      ],
    },
    ...refusals,
    409: refusal('The topic exists with another partition count than this gateway expects'),
  },
  security,
};

const offsetsBody = (description: string) => ({
  description,
  headers: rateLimitHeaders,
  type: 'object',
  required: ['offsets'],
  additionalProperties: false,
  properties: { offsets },
});

export const recordsRouteSchema: FastifySchema = {
  summary: 'Append records, Kafka REST style: each record written or refused on its own',
  tags: ['ingest'],
  consumes: JSON_MEDIA_TYPES,
  params: topicParams,
  body: {
    type: 'object',
    required: ['records'],
    additionalProperties: false,
    properties: { records: { type: 'array', items: record, minItems: 1 } },
  },
  response: {
    200: offsetsBody('Every record written (or already written: duplicate), in record order'),
    207: offsetsBody(
      'Some records refused (error_code, error per record), the others written once each',
    ),
    ...refusals,
  },
  security,
};

/** Route options that keep fastify from validating or reshaping what the schemas describe. */
export const documentedOnly = {
  validatorCompiler: () => () => true,
  serializerCompiler: () => (data: unknown) => JSON.stringify(data),
};
