import { newEventId } from '@redstream/codec';
import fc from 'fast-check';
import { orderCreated } from './producer-app.js';

/** One request to `POST /topics/<topic>/events`; `topic` replaces the real topic in the path. */
export interface HostileRequest {
  /** Which kind of hostile input this is (test messages say it). */
  kind: string;
  body: string | Buffer;
  contentType?: string;
  /** A raw path segment in place of the topic (already percent-encoded or deliberately not). */
  topic?: string;
  /** False when the request may be valid by chance (a mutated field can land on a valid value). */
  alwaysRefused: boolean;
}

/** A valid order event with a fresh explicit id (the idempotency key). */
export function validEvent(orderId: string) {
  return { ...orderCreated(orderId), id: newEventId() };
}

const EVENT_FIELDS = ['type', 'key', 'payload', 'id', 'headers', 'schemaVersion'] as const;
const PAYLOAD_FIELDS = ['runId', 'orderId', 'seq', 'status', 'amount', 'items'] as const;

/** `levels` nested arrays or objects, as JSON text (never built as a JS value: no recursion). */
export function deeplyNested(levels: number, shape: 'array' | 'object' = 'array'): string {
  return shape === 'array'
    ? `${'['.repeat(levels)}${']'.repeat(levels)}`
    : `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

const PLACEHOLDER = '__hostile_placeholder__';

/** JSON text of `value` with its PLACEHOLDER string replaced by raw JSON text. */
function withRaw(value: object, raw: string): string {
  return JSON.stringify(value).replace(`"${PLACEHOLDER}"`, raw);
}

const json = (kind: string, body: string, alwaysRefused = true): HostileRequest => ({
  kind,
  body,
  alwaysRefused,
});

const anyJson = fc.jsonValue({ maxDepth: 4 });
const field = fc.constantFrom(...EVENT_FIELDS);
const orderId = fc.stringMatching(/^order-[a-z0-9]{1,12}$/);

/** Random bytes declared as JSON. */
const randomBytes = fc.uint8Array({ minLength: 0, maxLength: 4096 }).map(
  (bytes): HostileRequest => ({
    kind: 'random bytes',
    body: Buffer.from(bytes),
    // Random bytes can be valid JSON ("7", "[]"), but never a valid event.
    alwaysRefused: true,
  }),
);

/** Any JSON document at all. */
const randomJson = anyJson.map((value) => json('random JSON', JSON.stringify(value) ?? 'null'));

/** A valid event with one field (or one payload field, or an unknown field) of any JSON value. */
const wrongType = fc
  .tuple(
    orderId,
    fc.oneof(
      field.map((name) => ({ at: 'event', name })),
      fc.constantFrom(...PAYLOAD_FIELDS).map((name) => ({ at: 'payload', name })),
      fc.string({ minLength: 1, maxLength: 20 }).map((name) => ({ at: 'event', name })),
    ),
    anyJson,
  )
  .map(([id, target, value]): HostileRequest => {
    const event = validEvent(id) as Record<string, unknown>;
    if (target.at === 'payload')
      event.payload = { ...(event.payload as object), [target.name]: value };
    else event[target.name] = value;
    return json(`wrong type at ${target.at}.${target.name}`, JSON.stringify(event), false);
  });

/** Deep nesting (up to 10,000 levels) at the top, in a field, or in the payload. */
const deepNesting = fc
  .tuple(
    fc.integer({ min: 129, max: 10_000 }),
    fc.constantFrom('top', 'wrapped', ...EVENT_FIELDS, 'payload.items', 'payload.extra'),
    fc.constantFrom('array' as const, 'object' as const),
    orderId,
  )
  .map(([levels, where, shape, id]): HostileRequest => {
    const nested = deeplyNested(levels, shape);
    const event = validEvent(id);
    let body: string;
    if (where === 'top') body = nested;
    else if (where === 'wrapped') body = `{"events":${nested}}`;
    else if (where.startsWith('payload.'))
      body = withRaw(
        { ...event, payload: { ...event.payload, [where.slice(8)]: PLACEHOLDER } },
        nested,
      );
    else body = withRaw({ ...event, [where]: PLACEHOLDER }, nested);
    return json(`${levels} levels of nesting at ${where}`, body);
  });

/** One field far over its limit (but the body under the 1 MiB body limit). */
const hugeField = fc
  .tuple(
    fc.constantFrom('type', 'key', 'id', 'header', 'orderId', 'sku', 'extra'),
    fc.integer({ min: 0, max: 880_000 }),
    orderId,
  )
  .map(([where, extraLength, id]): HostileRequest => {
    // Past every limit: type 256 bytes, key 1 KiB, headers 16 KiB, schema strings 128.
    const huge = 'x'.repeat(16_385 + extraLength);
    const event = validEvent(id) as Record<string, unknown> & ReturnType<typeof validEvent>;
    if (where === 'header') event.headers = { note: huge };
    else if (where === 'orderId') event.payload = { ...event.payload, orderId: huge };
    else if (where === 'sku')
      event.payload = { ...event.payload, items: [{ sku: huge, qty: 1, unitPrice: 1 }] };
    else if (where === 'extra') event.payload = { ...event.payload, [huge.slice(0, 5000)]: huge };
    else event[where] = huge;
    // The order schemas let unknown payload fields through: a large extra field may be valid.
    return json(`${huge.length} characters in ${where}`, JSON.stringify(event), where !== 'extra');
  });

/** More event headers than the codec takes (64), up to thousands. */
const manyEventHeaders = fc
  .tuple(fc.integer({ min: 65, max: 5000 }), orderId)
  .map(([count, id]): HostileRequest => {
    const headers = Object.fromEntries(Array.from({ length: count }, (_, i) => [`h-${i}`, 'v']));
    return json(`${count} event headers`, JSON.stringify({ ...validEvent(id), headers }));
  });

/** A valid event's bytes with bytes that are not UTF-8 inside one of its strings. */
const invalidUtf8 = fc
  .tuple(orderId, fc.uint8Array({ minLength: 1, maxLength: 8 }))
  .map(([id, bytes]): HostileRequest => {
    const text = JSON.stringify(validEvent(id));
    const at = text.indexOf(id) + 3; // inside the key's string
    const body = Buffer.concat([
      Buffer.from(text.slice(0, at)),
      invalidBytes(bytes),
      Buffer.from(text.slice(at)),
    ]);
    return { kind: 'invalid UTF-8 in a string', body, alwaysRefused: true };
  });

/** A lone surrogate escape (`\ud800`) in one of the event's strings. */
const loneSurrogate = fc
  .tuple(orderId, fc.integer({ min: 0xd800, max: 0xdfff }), fc.constantFrom('key', 'note', 'sku'))
  .map(([id, code, where]): HostileRequest => {
    const surrogate = `\\u${code.toString(16)}`;
    const event = { ...validEvent(id), headers: { note: 'n' } };
    const text = JSON.stringify(event);
    const body =
      where === 'key'
        ? text.replace(`"key":"${id}"`, `"key":"${surrogate}"`)
        : where === 'note'
          ? text.replace('"note":"n"', `"note":"a${surrogate}b"`)
          : text.replace('"sku":"MG-0110"', `"sku":"${surrogate}"`);
    return json(`lone surrogate ${surrogate} in ${where}`, body);
  });

/** A batch with valid events and at least one that cannot be valid. */
const mixedBatch = fc
  .tuple(
    fc.array(orderId, { minLength: 1, maxLength: 20 }),
    fc.array(
      fc.oneof(
        anyJson.filter(
          (value) => typeof value !== 'object' || value === null || Array.isArray(value),
        ),
        fc.constant({ type: 'order.created', payload: null }),
        fc.constant({ type: 'order.lost', key: 'k', payload: {} }),
      ),
      { minLength: 1, maxLength: 5 },
    ),
    fc.boolean(),
  )
  .chain(([ids, bad, wrapped]) =>
    fc
      .shuffledSubarray([...ids.map((id) => validEvent(id) as unknown), ...bad], {
        minLength: ids.length + bad.length,
      })
      .map(
        (events): HostileRequest =>
          json(
            `batch of ${events.length} with ${bad.length} invalid`,
            JSON.stringify(wrapped ? { events } : events),
          ),
      ),
  );

/** A valid event sent with another media type, or another charset. */
const wrongContentType = fc
  .tuple(
    orderId,
    fc.constantFrom(
      'text/plain',
      'application/json; charset=latin1',
      'application/json; charset=utf-16le',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'application/xml',
    ),
  )
  .map(
    ([id, contentType]): HostileRequest => ({
      kind: `content type ${contentType}`,
      body: JSON.stringify(validEvent(id)),
      contentType,
      alwaysRefused: true,
    }),
  );

/** A valid event posted to a topic that is not a name: garbage, too long, or undecodable. */
const badTopic = fc
  .tuple(
    orderId,
    fc.oneof(
      fc.string({ minLength: 1, maxLength: 300 }).map((name) => encodeURIComponent(name)),
      fc.constantFrom('%ff%fe', '%', '%zz', '{rs:orders}', 'a%20b', 'x'.repeat(2000), '..'),
    ),
  )
  .map(
    ([id, topic]): HostileRequest => ({
      kind: `topic ${topic.slice(0, 40)}`,
      body: JSON.stringify(validEvent(id)),
      topic,
      // A random string can be a free topic name: that is a 404, which is a refusal too.
      alwaysRefused: true,
    }),
  );

/** Every kind of hostile request the ingest must refuse (or accept only when valid). */
export const hostileRequest: fc.Arbitrary<HostileRequest> = fc.oneof(
  randomBytes,
  randomJson,
  wrongType,
  deepNesting,
  hugeField,
  manyEventHeaders,
  invalidUtf8,
  loneSurrogate,
  mixedBatch,
  wrongContentType,
  badTopic,
);

/** Bytes that are certainly not UTF-8: a continuation byte first, then the random ones. */
function invalidBytes(bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0x80]), Buffer.from(bytes), Buffer.from([0xff])]);
}
