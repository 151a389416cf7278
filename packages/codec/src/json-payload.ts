import { CodecError, describeThrown } from './codec-error.js';
import { CODEC_LIMITS } from './codec-limits.js';
import { tryDecodeUtf8 } from './field-value.js';
import { scanPayload } from './payload-scan.js';

/*
 * The JSON content type: plain JSON, plus tags for what JSON cannot say (docs/wire-format.md,
 * "JSON tags"). A tag is an object with exactly one key, and that key is one of:
 *
 *   {"$bin": "<base64>"}         Uint8Array / Buffer (decoded as Buffer)
 *   {"$date": "<ISO 8601>"}      Date ({"$date": null} for an invalid Date)
 *   {"$bigint": "<decimal>"}     bigint
 *   {"$undefined": true}         undefined (in an object, an array, or the whole payload)
 *   {"$number": "NaN"}           NaN, "Infinity", "-Infinity"
 *   {"$object": {...}}           escape: a user object with one key starting with '$'
 *
 * Any single-key object whose key starts with '$' is reserved, not only these six: a writer
 * escapes every such user object, and a reader rejects unknown tags, so future tags can never
 * collide with data written today. Objects with 0 or 2+ keys are always plain data.
 */

const TAG_BIN = '$bin';
const TAG_DATE = '$date';
const TAG_BIGINT = '$bigint';
const TAG_UNDEFINED = '$undefined';
const TAG_NUMBER = '$number';
const TAG_OBJECT = '$object';
const DOLLAR = 36;

/** Serializes a payload to JSON text, tagging only when the scan says it must. */
export function encodeJsonPayload(value: unknown): string {
  const text = scanPayload(value) ? JSON.stringify(tag(value)) : JSON.stringify(value);
  // Only reachable for a top-level value JSON.stringify skips; scanPayload tags those.
  if (text === undefined) throw new CodecError('CODEC_UNSUPPORTED_VALUE', 'payload is not JSON');
  return text;
}

/**
 * Parses JSON payload text and revives tags. Tags need a key starting with '$', so text without
 * any '$' (literal or escaped as \u0024) has none and JSON.parse's result is final: the common
 * case costs JSON.parse plus two memchr-speed scans.
 */
export function decodeJsonPayload(payload: string | Uint8Array): unknown {
  const text = typeof payload === 'string' ? payload : tryDecodeUtf8(payload);
  if (text === undefined) {
    // JSON text is UTF-8 (RFC 8259); decoding it leniently would alter strings silently.
    throw new CodecError('CODEC_MALFORMED_PAYLOAD', 'payload is not valid UTF-8', { field: 'p' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (thrown) {
    throw new CodecError(
      'CODEC_MALFORMED_PAYLOAD',
      `payload is not valid JSON: ${describeThrown(thrown)}`,
      { field: 'p' },
      { cause: thrown },
    );
  }
  if (text.indexOf('$') === -1 && text.indexOf('\\u0024') === -1) return value;
  return revive(value, 0);
}

function tag(value: unknown): unknown {
  switch (typeof value) {
    case 'undefined':
      return { [TAG_UNDEFINED]: true };
    case 'bigint':
      return { [TAG_BIGINT]: value.toString() };
    case 'number':
      return value - value === 0 ? value : { [TAG_NUMBER]: String(value) };
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = tag(value[i]);
    return out;
  }
  if (value instanceof Uint8Array) {
    return {
      [TAG_BIN]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
    };
  }
  if (value instanceof Date) {
    const time = value.getTime();
    return { [TAG_DATE]: Number.isNaN(time) ? null : value.toISOString() };
  }
  // A plain object (scanPayload let nothing else through).
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  let count = 0;
  let first = '';
  for (const key in record) {
    if (count++ === 0) first = key;
    out[key] = tag(record[key]);
  }
  return count === 1 && first.charCodeAt(0) === DOLLAR ? { [TAG_OBJECT]: out } : out;
}

/** Revives tags in place: the value came fresh from JSON.parse, nobody else holds it. */
function revive(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= CODEC_LIMITS.maxDepth) {
    throw new CodecError(
      'CODEC_NESTING_TOO_DEEP',
      `payload nests deeper than ${CODEC_LIMITS.maxDepth} levels`,
      { field: 'p', limit: CODEC_LIMITS.maxDepth },
    );
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i], depth + 1);
    return value;
  }
  const record = value as Record<string, unknown>;
  let count = 0;
  let first = '';
  for (const key in record) {
    if (count++ === 0) first = key;
    else break;
  }
  if (count === 1 && first.charCodeAt(0) === DOLLAR) return reviveTag(first, record[first], depth);
  reviveMembers(record, depth);
  return record;
}

function reviveMembers(record: Record<string, unknown>, depth: number): void {
  for (const key in record) {
    const revived = revive(record[key], depth + 1);
    // JSON.parse made "__proto__" an own property; plain assignment would set the prototype.
    if (key === '__proto__') {
      Object.defineProperty(record, key, {
        value: revived,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else {
      record[key] = revived;
    }
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DECIMAL_INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

function reviveTag(name: string, body: unknown, depth: number): unknown {
  switch (name) {
    case TAG_BIN:
      if (typeof body === 'string' && body.length % 4 === 0 && BASE64.test(body)) {
        return Buffer.from(body, 'base64');
      }
      throw badTag(name, 'a base64 string (RFC 4648, padded)');
    case TAG_DATE: {
      if (body === null) return new Date(Number.NaN);
      const date = typeof body === 'string' ? new Date(body) : undefined;
      if (date && !Number.isNaN(date.getTime())) return date;
      throw badTag(name, 'an ISO 8601 date string or null');
    }
    case TAG_BIGINT:
      if (
        typeof body === 'string' &&
        body.length <= CODEC_LIMITS.maxBigIntDigits + 1 &&
        DECIMAL_INTEGER.test(body)
      ) {
        return BigInt(body);
      }
      throw badTag(
        name,
        `a decimal integer string of at most ${CODEC_LIMITS.maxBigIntDigits} digits`,
      );
    case TAG_UNDEFINED:
      if (body === true) return undefined;
      throw badTag(name, 'true');
    case TAG_NUMBER:
      if (body === 'NaN') return Number.NaN;
      if (body === 'Infinity') return Number.POSITIVE_INFINITY;
      if (body === '-Infinity') return Number.NEGATIVE_INFINITY;
      throw badTag(name, '"NaN", "Infinity" or "-Infinity"');
    case TAG_OBJECT:
      if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
        // The escaped object's keys are literal; its values are ordinary encoded values.
        reviveMembers(body as Record<string, unknown>, depth);
        return body;
      }
      throw badTag(name, 'an object');
    default:
      throw new CodecError(
        'CODEC_MALFORMED_PAYLOAD',
        `payload holds an unknown tag ${JSON.stringify(name)}: single-key objects whose key starts ` +
          `with '$' are reserved; writers escape them as {"$object": {...}}`,
        { field: 'p' },
      );
  }
}

function badTag(name: string, expected: string): CodecError {
  return new CodecError('CODEC_MALFORMED_PAYLOAD', `payload tag ${name} must hold ${expected}`, {
    field: 'p',
  });
}
