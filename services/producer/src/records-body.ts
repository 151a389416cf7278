import type { EventInput } from '@redstream/codec';
import { checkEventFields, type EventFieldNames } from './ingest-body.js';
import { IngestError } from './ingest-error.js';

/** One record of a records request: ready to encode, or refused with its reason. */
export type RecordCheck = { event: EventInput } | { refused: IngestError; id?: string };

const RECORD_FIELDS: EventFieldNames = {
  list: 'records',
  payload: 'value',
  allowed: new Set(['type', 'key', 'value', 'id', 'headers', 'schemaVersion']),
};

/**
 * The body of `POST /v1/topics/:topic/records`: `{ "records": [...] }`. A body that is not
 * that shape refuses the request; a record that is not a record refuses only that record, so
 * the others can still be written (the 207 answer).
 */
export function parseRecordsBody(body: unknown, maxRecords: number): RecordCheck[] {
  const records = (body as { records?: unknown } | null)?.records;
  if (
    typeof body !== 'object' ||
    body === null ||
    Array.isArray(body) ||
    !Array.isArray(records) ||
    Object.keys(body).some((field) => field !== 'records')
  )
    throw new IngestError(
      400,
      'invalid-body',
      'expected { "records": [ { "type", "value", ... } ] }',
    );
  if (records.length === 0)
    throw new IngestError(400, 'invalid-body', 'the request holds no records');
  if (records.length > maxRecords)
    throw new IngestError(
      413,
      'too-many-events',
      `a request holds at most ${maxRecords} records, this one ${records.length}: split it`,
    );
  // An id names one event. Two records of one request with the same id and different keys
  // would land in different partitions, where the idempotence markers live, and both be
  // appended: the later ones are refused instead.
  const firstWithId = new Map<string, number>();
  return records.map((record, index): RecordCheck => {
    try {
      const event = checkEventFields(record, index, RECORD_FIELDS);
      if (event.id !== undefined) {
        const first = firstWithId.get(event.id);
        if (first !== undefined)
          return {
            refused: new IngestError(
              422,
              'duplicate-id',
              `id ${JSON.stringify(event.id)} is already the id of record ${first} of this request: an id names one event`,
              { path: `records[${index}].id` },
            ),
            id: event.id,
          };
        firstWithId.set(event.id, index);
      }
      return { event };
    } catch (error) {
      if (!(error instanceof IngestError)) throw error;
      const id = (record as { id?: unknown } | null)?.id;
      return typeof id === 'string' && id !== '' ? { refused: error, id } : { refused: error };
    }
  });
}
