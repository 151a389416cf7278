import { CodecError } from './codec-error.js';
import { CODEC_LIMITS } from './codec-limits.js';
import type { CodecSettings } from './codec-settings.js';
import { describeKind } from './describe-kind.js';
import { eventIdAt } from './event-id.js';
import type { EncodedEvent, EventInput } from './event-types.js';
import { encodeHeaders } from './header-map.js';
import { encodeJsonPayload } from './json-payload.js';
import { encodeMsgpackPayload } from './msgpack-payload.js';
import { SLOT_NAMES, WIRE_FORMAT } from './wire-format.js';

const F = WIRE_FORMAT.fields;
const FORMAT_VERSION_TEXT = String(WIRE_FORMAT.formatVersion);
/** Bytes of all field names of an entry; the key's name is added when there is a key. */
const NAME_BYTES_WITHOUT_KEY =
  SLOT_NAMES.reduce((sum, name) => sum + name.length, 0) - F.key.length;

/**
 * Checks an event and lays it out as the fields of one entry, in the fixed order of
 * docs/wire-format.md. Runs on every publish: the checks are cheap comparisons first, and the
 * byte count is computed without re-encoding anything.
 */
export function encodeEntry(input: EventInput<unknown>, settings: CodecSettings): EncodedEvent {
  if (typeof input !== 'object' || input === null) {
    throw badEvent('event', `must be an object with type and payload, got ${describeKind(input)}`);
  }
  const type = input.type;
  if (
    typeof type !== 'string' ||
    type === '' ||
    !fitsBytes(type, CODEC_LIMITS.maxTypeBytes) ||
    !isWellFormed(type)
  ) {
    throw badEvent(
      'type',
      `must be a non-empty string of at most ${CODEC_LIMITS.maxTypeBytes} UTF-8 bytes`,
    );
  }
  let id = input.id;
  let idBytes = 36; // a generated UUID is ASCII
  let now = -1;
  if (id === undefined) {
    now = Date.now();
    id = eventIdAt(now);
  } else if (
    typeof id !== 'string' ||
    id === '' ||
    !fitsBytes(id, CODEC_LIMITS.maxIdBytes) ||
    !isWellFormed(id)
  ) {
    throw badEvent(
      'id',
      `must be a non-empty string of at most ${CODEC_LIMITS.maxIdBytes} UTF-8 bytes`,
    );
  } else idBytes = utf8Length(id);
  const key = input.key ?? null;
  if (
    key !== null &&
    (typeof key !== 'string' || !fitsBytes(key, CODEC_LIMITS.maxKeyBytes) || !isWellFormed(key))
  ) {
    throw badEvent(
      'key',
      `must be a string of at most ${CODEC_LIMITS.maxKeyBytes} UTF-8 bytes, or null`,
    );
  }
  const headers = encodeHeaders(input.headers);
  // Date.now() is not free: one reading serves the id and the timestamp.
  const timestamp = input.timestamp ?? (now >= 0 ? now : Date.now());
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw badEvent(
      'timestamp',
      `must be a non-negative integer (ms since epoch), got ${String(timestamp)}`,
    );
  }
  let schemaVersion = input.schemaVersion;
  if (
    schemaVersion !== undefined &&
    (!Number.isInteger(schemaVersion) ||
      schemaVersion < 1 ||
      schemaVersion > CODEC_LIMITS.maxSchemaVersion)
  ) {
    throw badEvent('schemaVersion', `must be an integer from 1, got ${String(schemaVersion)}`);
  }
  if (settings.registry) {
    schemaVersion =
      settings.registry.checkOutgoing(type, schemaVersion, input.payload) ?? schemaVersion;
  }
  schemaVersion ??= 1;

  let payload: string | Buffer;
  let payloadBytes: number;
  if (settings.contentType === 'json') {
    payload = encodeJsonPayload(input.payload);
    payloadBytes = Buffer.byteLength(payload);
  } else {
    payload = encodeMsgpackPayload(input.payload);
    payloadBytes = payload.length;
  }
  if (payloadBytes > settings.maxPayloadBytes) {
    throw new CodecError(
      'CODEC_PAYLOAD_TOO_LARGE',
      `${type}: payload is ${payloadBytes} bytes encoded as ${settings.contentType}, over maxPayloadBytes ${settings.maxPayloadBytes}`,
      { type, field: F.payload, limit: settings.maxPayloadBytes, actual: payloadBytes },
    );
  }
  const sv = String(schemaVersion);
  const ts = String(timestamp);
  const fields =
    key === null
      ? [
          F.formatVersion,
          FORMAT_VERSION_TEXT,
          F.id,
          id,
          F.type,
          type,
          F.schemaVersion,
          sv,
          F.contentType,
          settings.contentType,
          F.headers,
          headers,
          F.timestamp,
          ts,
          F.payload,
          payload,
        ]
      : [
          F.formatVersion,
          FORMAT_VERSION_TEXT,
          F.id,
          id,
          F.type,
          type,
          F.key,
          key,
          F.schemaVersion,
          sv,
          F.contentType,
          settings.contentType,
          F.headers,
          headers,
          F.timestamp,
          ts,
          F.payload,
          payload,
        ];
  const byteLength =
    NAME_BYTES_WITHOUT_KEY +
    FORMAT_VERSION_TEXT.length +
    idBytes +
    utf8Length(type) +
    (key === null ? 0 : F.key.length + utf8Length(key)) +
    sv.length +
    settings.contentType.length +
    utf8Length(headers) +
    ts.length +
    payloadBytes;
  return { id, fields, byteLength };
}

function badEvent(field: string, message: string): CodecError {
  return new CodecError('CODEC_BAD_EVENT', `event ${field} ${message}`, { field });
}

/**
 * Text fields travel as UTF-8, which cannot hold a lone surrogate (it would come back as U+FFFD):
 * refuse it on encode rather than hand back a different type, id or key.
 */
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** Whether a string takes at most `max` UTF-8 bytes; skips the count when it cannot exceed it. */
function fitsBytes(text: string, max: number): boolean {
  return text.length * 3 <= max || Buffer.byteLength(text) <= max;
}

/** UTF-8 length of a short string without a native call (ids, types and keys are short). */
function utf8Length(text: string): number {
  if (text.length > 64) return Buffer.byteLength(text);
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // a pair: 4 bytes for 2 UTF-16 units
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}
