import type { EventInput } from '@redstream/codec';
import { CodecError } from '@redstream/codec';
import { InvalidEventError, type PublishResult, type StreamClient } from '@redstream/stream-client';
import type { FastifyInstance } from 'fastify';
import type { ProducerAppDeps } from './app.js';
import { appendEvents } from './append-events.js';
import type { ProducerConfig } from './config.js';
import { ingestAuthHook } from './ingest-access.js';
import { admitIngest, type IngestAdmission } from './ingest-admission.js';
import { type BodyPlace, fromCodecError, fromPublishError, IngestError } from './ingest-error.js';
import type { Refuse } from './ingest-refusal.js';
import { parseRecordsBody, type RecordCheck } from './records-body.js';
import { documentedOnly, recordsRouteSchema } from './route-schemas.js';

const RECORDS: BodyPlace = { list: 'records', payloadField: 'value' };

/** One entry of the answer's `offsets`, in record order (Kafka REST's field names). */
export interface RecordOffset {
  partition: number | null;
  offset: string | null;
  eventId: string | null;
  duplicate: boolean;
  error_code: number | null;
  error: string | null;
  reason?: string;
  path?: string;
  issues?: unknown;
}

/**
 * `POST /v1/topics/:topic/records`, the Kafka REST-style endpoint: `{ records: [...] }`, each
 * record judged on its own. 200 when every record was written, 207 when some were refused
 * (their `error_code` and `error`; the others written, each once), 4xx with the same `offsets`
 * when none could be. A retry with the same ids writes nothing twice: the valid records come
 * back `duplicate: true` with their first entry id.
 */
export function registerRecordsRoute(
  app: FastifyInstance,
  config: ProducerConfig,
  deps: ProducerAppDeps,
  admission: IngestAdmission,
  refuse: Refuse,
): void {
  const append = appendEvents(deps);
  app.post<{ Params: { topic: string } }>(
    '/v1/topics/:topic/records',
    {
      schema: recordsRouteSchema,
      ...documentedOnly,
      onRequest: ingestAuthHook(config.auth, refuse),
    },
    async (request, reply) => {
      const { topic } = request.params;
      try {
        const checks = parseRecordsBody(request.body, config.maxBatchEvents);
        await admitIngest(admission, request, reply, topic, checks.length);
        const written = await appendValid(checks, deps.client, (events) =>
          append(request, topic, events),
        );
        const offsets = checks.map((check, index) => toOffset(check, written.get(index)));
        let refused = 0;
        for (const entry of offsets) {
          if (entry.reason === undefined) continue;
          refused++;
          deps.metrics.rejectedRecords.inc({ topic, reason: entry.reason });
        }
        if (refused === 0) return reply.code(200).send({ offsets });
        if (refused < offsets.length) return reply.code(207).send({ offsets });
        const statuses = new Set(offsets.map((entry) => entry.error_code));
        const status = statuses.size === 1 ? [...statuses][0]! : 400;
        throw new IngestError(
          status,
          'records-refused',
          'no record was written: each one was refused (see offsets)',
          { offsets },
        );
      } catch (error) {
        return refuse(
          request,
          reply,
          fromPublishError(error, deps.client.redis.status === 'ready'),
          error,
        );
      }
    },
  );
}

/**
 * Appends the records that passed their shape check. The common case, all of them valid,
 * encodes each once (inside publishMany); only when the codec refuses one does every record
 * get checked on its own, so the refused ones are left out and the rest still go in one call.
 * publishMany encodes the whole batch before it sends anything, so a refusal appends nothing.
 */
async function appendValid(
  checks: RecordCheck[],
  client: StreamClient,
  append: (events: EventInput[]) => Promise<PublishResult[]>,
): Promise<Map<number, PublishResult>> {
  let pending = checks.flatMap((check, index) =>
    'event' in check ? [{ index, event: check.event }] : [],
  );
  const written = new Map<number, PublishResult>();
  const appendPending = async () => {
    if (pending.length === 0) return written;
    const results = await append(pending.map((item) => item.event));
    for (const [i, item] of pending.entries()) written.set(item.index, results[i]!);
    return written;
  };
  try {
    return await appendPending();
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
  }
  pending = pending.filter((item) => {
    try {
      client.codec.encode(item.event);
      return true;
    } catch (error) {
      if (!(error instanceof CodecError)) throw error;
      checks[item.index] = {
        refused: fromCodecError(error, item.index, true, RECORDS),
        ...(item.event.id === undefined ? {} : { id: item.event.id }),
      };
      return false;
    }
  });
  return appendPending();
}

function toOffset(check: RecordCheck, result: PublishResult | undefined): RecordOffset {
  if (result)
    return {
      partition: result.partition,
      offset: result.entryId,
      eventId: result.eventId,
      duplicate: result.duplicate,
      error_code: null,
      error: null,
    };
  const failure =
    'refused' in check
      ? check.refused
      : new IngestError(500, 'internal', 'the record was neither written nor refused');
  const id = 'event' in check ? check.event.id : check.id;
  // The record's place is the offset's own place in the list: no `index` beside the path.
  const { path, issues } = failure.details;
  return {
    partition: null,
    offset: null,
    eventId: id ?? null,
    duplicate: false,
    error_code: failure.statusCode,
    error: failure.message,
    reason: failure.reason,
    ...(path === undefined ? {} : { path }),
    ...(issues === undefined ? {} : { issues }),
  };
}
