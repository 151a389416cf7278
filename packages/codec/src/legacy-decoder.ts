import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { CodecError } from './codec-error.js';
import { CODEC_LIMITS } from './codec-limits.js';
import type { DecodedEvent } from './event-types.js';
import { badField, byteLengthOf, type FieldValue, tryDecodeUtf8 } from './field-value.js';

/*
 * Entries written by the original Go demo: flat fields, no format version, every string value
 * base64 (of a plain string or of a JSON object/array), numbers as decimal strings, and an
 * optional `retries` counter. The mapping is documented in docs/wire-format.md ("Legacy
 * entries"); in short, each value is read by the first rule that applies:
 *
 *   1. a decimal number (-?digits, optional fraction and exponent) -> number
 *      (an integer beyond 2^53 -> bigint, so Go int64 ids survive);
 *   2. canonical padded base64 whose bytes are UTF-8 text without control characters
 *      -> that text, or the parsed value when the text is a JSON object or array;
 *   3. anything else -> the value as it is (a string).
 *
 * Digits-only values are read as numbers first on purpose: digits-only base64 almost never
 * decodes to text, and the demo wrote every number that way.
 */

const DECIMAL = /^-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// Control characters other than tab, newline and carriage return mark binary, not text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** Below this a `ts`/`timestamp` number is taken as seconds (1e11 s is the year 5138). */
const SECONDS_BELOW = 1e11;

export interface LegacyField {
  name: string;
  value: FieldValue;
}

export function decodeLegacyEntry(
  fields: readonly LegacyField[],
  maxPayloadBytes: number,
  entryId: string | undefined,
): DecodedEvent {
  let totalBytes = 0;
  for (const { value } of fields) totalBytes += byteLengthOf(value);
  if (totalBytes > maxPayloadBytes) {
    throw new CodecError(
      'CODEC_PAYLOAD_TOO_LARGE',
      `legacy entry holds ${totalBytes} bytes of values, over maxPayloadBytes ${maxPayloadBytes}`,
      { limit: maxPayloadBytes, actual: totalBytes },
    );
  }
  const payload: Record<string, unknown> = {};
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const { name, value } of fields) {
    if (seen.has(name)) throw badField(name, 'appears twice in the legacy entry');
    seen.add(name);
    if (name === 'retries') {
      const text = textOf(name, value);
      if (!/^(?:0|[1-9][0-9]{0,9})$/.test(text)) {
        throw badField(name, 'must be a non-negative decimal integer in a legacy entry');
      }
      headers.retries = text;
      continue;
    }
    const decoded = decodeLegacyValue(textOf(name, value));
    if (name === '__proto__') {
      Object.defineProperty(payload, name, {
        value: decoded,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else {
      payload[name] = decoded;
    }
  }
  const type = pickString(payload, 'type') ?? pickString(payload, 'event') ?? 'legacy';
  const key = pickString(payload, 'key') ?? null;
  return {
    formatVersion: 0,
    id: pickId(payload, fields, entryId),
    type: clip(type, CODEC_LIMITS.maxTypeBytes) ? type : 'legacy',
    key: key !== null && clip(key, CODEC_LIMITS.maxKeyBytes) ? key : null,
    schemaVersion: 1,
    contentType: 'json',
    headers,
    timestamp: pickTimestamp(payload, entryId),
    payload,
  };
}

/** Applies the three value rules above to one field value. */
export function decodeLegacyValue(text: string): unknown {
  const number = DECIMAL.exec(text);
  if (number) {
    if (number[1] === undefined && number[2] === undefined) {
      const integer = Number(text);
      if (Number.isSafeInteger(integer)) return integer;
      // BigInt() is quadratic in the digits: absurdly long ones stay text.
      return text.length <= CODEC_LIMITS.maxBigIntDigits ? BigInt(text) : text;
    }
    const float = Number(text);
    return Number.isFinite(float) ? float : text;
  }
  if (text.length % 4 === 0 && BASE64.test(text)) {
    const bytes = Buffer.from(text, 'base64');
    // Canonical only: stray bits in the padding mean the text was not base64 to begin with.
    if (bytes.toString('base64') === text && isUtf8(bytes)) {
      const decoded = bytes.toString('utf8');
      if (!CONTROL.test(decoded)) return parseJsonContainer(decoded) ?? decoded;
    }
  }
  return text;
}

function parseJsonContainer(text: string): object | undefined {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function textOf(name: string, value: FieldValue): string {
  if (typeof value === 'string') return value;
  const text = tryDecodeUtf8(value);
  if (text === undefined) {
    throw badField(name, 'is not valid UTF-8 (legacy values are ASCII base64 or digits)');
  }
  return text;
}

function pickString(payload: Record<string, unknown>, name: string): string | undefined {
  if (!Object.hasOwn(payload, name)) return undefined;
  const value = payload[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function clip(text: string, maxBytes: number): boolean {
  return Buffer.byteLength(text) <= maxBytes;
}

/**
 * The event id: the entry's own `id` field; else derived from the stream entry id when the caller
 * passed it; else a hash of the fields, so a redelivered legacy entry keeps its id and
 * idempotency still holds.
 */
function pickId(
  payload: Record<string, unknown>,
  fields: readonly LegacyField[],
  entryId: string | undefined,
): string {
  const own = Object.hasOwn(payload, 'id') ? payload.id : undefined;
  if (
    (typeof own === 'string' && own !== '') ||
    typeof own === 'number' ||
    typeof own === 'bigint'
  ) {
    const id = String(own);
    if (clip(id, CODEC_LIMITS.maxIdBytes)) return id;
  }
  if (entryId !== undefined && entryId !== '' && clip(entryId, CODEC_LIMITS.maxIdBytes - 7)) {
    return `legacy-${entryId}`;
  }
  const hash = createHash('sha256');
  for (const { name, value } of fields) {
    hash.update(`${Buffer.byteLength(name)}:${name}${byteLengthOf(value)}:`);
    hash.update(value);
  }
  return `legacy-${hash.digest('hex').slice(0, 32)}`;
}

/**
 * Producer time: a `ts` or `timestamp` field (a number: seconds below 1e11, else milliseconds;
 * or a date string), else the stream entry id's milliseconds, else 0.
 */
function pickTimestamp(payload: Record<string, unknown>, entryId: string | undefined): number {
  for (const name of ['ts', 'timestamp']) {
    if (!Object.hasOwn(payload, name)) continue;
    const value = payload[name];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
      return Math.round(value < SECONDS_BELOW ? value * 1000 : value);
    }
    if (typeof value === 'string') {
      const parsed = Date.parse(value);
      if (Number.isFinite(parsed) && parsed >= 0) return parsed;
    }
  }
  const fromEntry =
    entryId === undefined ? Number.NaN : Number(/^(\d{1,15})-\d+$/.exec(entryId)?.[1]);
  return Number.isSafeInteger(fromEntry) ? fromEntry : 0;
}
