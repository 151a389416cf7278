import { CodecError } from '@redstream/codec';
import {
  ConnectionError,
  InvalidEventError,
  InvalidNameError,
  PartitionMismatchError,
  StreamClientError,
  TopicNotFoundError,
} from '@redstream/stream-client';

/** Stable reasons of refused requests: the JSON body's `error` and the rejected metric's label. */
/** Every stable reason a refusal carries (the OpenAPI document lists the same). */
export const REJECT_REASONS = [
  'unauthorized',
  'forbidden-topic',
  'rate-limited',
  'records-refused',
  'malformed-json',
  'forbidden-key',
  'invalid-url',
  'unsupported-media-type',
  'body-too-large',
  'too-many-events',
  'invalid-body',
  'invalid-event',
  'duplicate-id',
  'invalid-topic',
  'unknown-topic',
  'unknown-type',
  'schema-violation',
  'payload-too-large',
  'redis-unavailable',
  'internal',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

/** A refused ingest request: HTTP status, stable reason, message, and where in the body. */
export class IngestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: RejectReason,
    message: string,
    readonly details: { index?: number; path?: string; issues?: unknown; offsets?: unknown } = {},
    /** Response headers the refusal needs (WWW-Authenticate, Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'IngestError';
  }

  toJSON(): Record<string, unknown> {
    return { error: this.reason, message: this.message, ...this.details };
  }
}

const CODEC_STATUS: Partial<Record<CodecError['code'], [number, RejectReason]>> = {
  CODEC_UNKNOWN_TYPE: [422, 'unknown-type'],
  CODEC_UNKNOWN_VERSION: [422, 'unknown-type'],
  CODEC_NEWER_VERSION: [422, 'unknown-type'],
  CODEC_SCHEMA_VIOLATION: [422, 'schema-violation'],
  CODEC_ASYNC_SCHEMA: [422, 'schema-violation'],
  CODEC_PAYLOAD_TOO_LARGE: [413, 'payload-too-large'],
  CODEC_UNSUPPORTED_VALUE: [400, 'invalid-event'],
  CODEC_NESTING_TOO_DEEP: [400, 'invalid-event'],
  CODEC_BAD_EVENT: [400, 'invalid-event'],
};

/** Where an event sits in a request body: `events[3]` with `payload`, or `records[3]` with `value`. */
export interface BodyPlace {
  list: 'events' | 'records';
  payloadField: 'payload' | 'value';
}

const EVENTS: BodyPlace = { list: 'events', payloadField: 'payload' };

/**
 * An encode failure of event `index` of the request, with the path inside the request body
 * (`batch` false: a single-event body, paths without a list prefix).
 */
export function fromCodecError(
  error: CodecError,
  index: number,
  batch: boolean,
  place: BodyPlace = EVENTS,
): IngestError {
  const [status, reason] = CODEC_STATUS[error.code] ?? [400, 'invalid-event'];
  const prefix = batch ? `${place.list}[${index}]` : '';
  const field = error.field === 'payload' ? place.payloadField : error.field;
  const inPayload =
    error.path !== undefined
      ? joinPath(joinPath(prefix, place.payloadField), error.path)
      : undefined;
  const path = inPayload ?? (field ? joinPath(prefix, field) : prefix || undefined);
  return new IngestError(status, reason, batch ? `${prefix}: ${error.message}` : error.message, {
    ...(batch ? { index } : {}),
    ...(path !== undefined && path !== '' ? { path } : {}),
    ...(error.issues ? { issues: error.issues } : {}),
  });
}

/**
 * A failure while appending: Redis being unreachable (the producer's retriable
 * ConnectionError, or any failure while the connection is not ready) is a 503 the client may
 * retry. The request is checked and encoded in full before anything is sent, and not sent at
 * all while the connection is down; a failure in the middle of a send (a lost connection, or an
 * error on one partition while others were appended) can leave part of a batch appended, which
 * a retry with the same event ids completes without duplicates.
 */
export function fromPublishError(error: unknown, redisReady: boolean, batch = true): IngestError {
  if (error instanceof IngestError) return error;
  if (error instanceof CodecError) return fromCodecError(error, 0, false);
  // The producer wraps codec refusals; the CodecError inside says what and where. `batch`
  // false: the body was one event, whose paths have no `events[0]` in front.
  if (error instanceof InvalidEventError && error.cause instanceof CodecError)
    return fromCodecError(error.cause, error.index ?? 0, batch && error.index !== undefined);
  if (error instanceof InvalidNameError)
    return new IngestError(400, 'invalid-topic', error.message);
  if (error instanceof TopicNotFoundError)
    return new IngestError(404, 'unknown-topic', error.message);
  if (error instanceof PartitionMismatchError)
    return new IngestError(409, 'unknown-topic', error.message);
  if (
    !redisReady ||
    error instanceof ConnectionError ||
    (error instanceof StreamClientError && error.retriable)
  ) {
    return new IngestError(
      503,
      'redis-unavailable',
      'Redis is unreachable; retry later (send event ids: a retry with the same ids and keys within the idempotence window never appends twice)',
    );
  }
  return new IngestError(500, 'internal', 'internal error while appending events');
}

function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}
