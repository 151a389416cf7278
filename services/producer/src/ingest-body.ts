import type { EventInput } from '@redstream/codec';
import { IngestError } from './ingest-error.js';

export interface IngestBatch {
  events: EventInput[];
  /** True when the body was a batch (array or `{ events }`): paths and answers use `events[i]`. */
  batch: boolean;
}

const EVENT_FIELDS = new Set(['type', 'key', 'payload', 'id', 'headers', 'schemaVersion']);

/**
 * The request body as events: one event object, a JSON array of them, or `{ events: [...] }`.
 * Checks the shape of each event (the codec checks payloads against the schemas afterwards).
 */
export function parseIngestBody(body: unknown, maxEvents: number): IngestBatch {
  let items: unknown[];
  let batch = true;
  if (Array.isArray(body)) items = body;
  else if (isObject(body) && Array.isArray(body.events) && !('type' in body)) items = body.events;
  else if (isObject(body)) {
    items = [body];
    batch = false;
  } else {
    throw new IngestError(
      400,
      'invalid-body',
      'expected an event object, a JSON array of events, or { "events": [...] }',
    );
  }
  if (items.length === 0) throw new IngestError(400, 'invalid-body', 'the batch holds no events');
  if (items.length > maxEvents)
    throw new IngestError(
      413,
      'too-many-events',
      `a request holds at most ${maxEvents} events, this one ${items.length}: split it`,
    );
  return {
    events: items.map((item, index) => checkEvent(item, batch ? index : undefined)),
    batch,
  };
}

/** `index` is the event's place in a batch, undefined for a single-event body. */
function checkEvent(item: unknown, index: number | undefined): EventInput {
  return checkEventFields(item, index, EVENT_FIELDS_OF_EVENTS);
}

/** How one list of a body names its items' fields: `events[i].payload` or `records[i].value`. */
export interface EventFieldNames {
  list: 'events' | 'records';
  payload: 'payload' | 'value';
  allowed: ReadonlySet<string>;
}

const EVENT_FIELDS_OF_EVENTS: EventFieldNames = {
  list: 'events',
  payload: 'payload',
  allowed: EVENT_FIELDS,
};

/**
 * Checks the fields of one event (or record) and returns it as codec input; throws an
 * IngestError whose `path` names the field (`records[2].headers.x`).
 */
export function checkEventFields(
  item: unknown,
  index: number | undefined,
  names: EventFieldNames,
): EventInput {
  const at = index === undefined ? '' : `${names.list}[${index}]`;
  const located = (path: string) => ({ ...(index === undefined ? {} : { index }), path });
  const fail = (field: string, expected: string): never => {
    const path = at === '' ? field : `${at}.${field}`;
    throw new IngestError(400, 'invalid-event', `${path}: expected ${expected}`, located(path));
  };
  if (!isObject(item)) {
    throw new IngestError(
      400,
      'invalid-event',
      `${at || 'body'}: expected an event object`,
      at === '' ? {} : located(at),
    );
  }
  for (const field of Object.keys(item)) {
    if (!names.allowed.has(field))
      fail(field, `no such field (an event has ${[...names.allowed].join(', ')})`);
  }
  if (typeof item.type !== 'string' || item.type === '') fail('type', 'a non-empty string');
  const payload = item[names.payload];
  if (!(names.payload in item) || payload === undefined) fail(names.payload, 'a JSON value');
  if (item.key !== undefined && item.key !== null && typeof item.key !== 'string')
    fail('key', 'a string or null');
  if (item.id !== undefined && (typeof item.id !== 'string' || item.id === ''))
    fail('id', 'a non-empty string (the idempotency key)');
  if (item.headers !== undefined) {
    if (!isObject(item.headers)) fail('headers', 'an object of string values');
    for (const [name, value] of Object.entries(item.headers as object))
      if (typeof value !== 'string') fail(`headers.${name}`, 'a string');
  }
  if (
    item.schemaVersion !== undefined &&
    (typeof item.schemaVersion !== 'number' || !Number.isInteger(item.schemaVersion))
  )
    fail('schemaVersion', 'an integer');
  if (names.payload === 'payload') return item as unknown as EventInput;
  const { [names.payload]: value, ...rest } = item;
  return { ...rest, payload: value } as unknown as EventInput;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
