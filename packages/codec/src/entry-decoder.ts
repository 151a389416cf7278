import { CodecError } from './codec-error.js';
import { CODEC_LIMITS } from './codec-limits.js';
import type { CodecSettings } from './codec-settings.js';
import { describeKind } from './describe-kind.js';
import type { ContentType, DecodeContext, DecodedEvent, EntryFields } from './event-types.js';
import {
  badField,
  byteLengthOf,
  equalsAscii,
  type FieldValue,
  preview,
  readDecimal,
  readText,
} from './field-value.js';
import { decodeHeaders } from './header-map.js';
import { decodeJsonPayload } from './json-payload.js';
import { decodeLegacyEntry, type LegacyField } from './legacy-decoder.js';
import { decodeMsgpackPayload } from './msgpack-payload.js';
import { SLOT_NAMES, Slot, slotOfBytes, slotOfString, WIRE_FORMAT } from './wire-format.js';

const F = WIRE_FORMAT.fields;
const FORMAT_VERSION_TEXT = String(WIRE_FORMAT.formatVersion);

/**
 * Reads the fields of one entry into an event. This is the consumer's hot path (every delivered
 * entry goes through it), so field names are matched as bytes, numbers are parsed from the bytes,
 * and the payload parser gets the bytes only after every envelope check passed.
 */
export function decodeEntry(
  fields: EntryFields,
  context: DecodeContext | undefined,
  settings: CodecSettings,
): DecodedEvent {
  const slots: Array<FieldValue | undefined> = [
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ];
  if (Array.isArray(fields)) {
    const items = fields as ReadonlyArray<unknown>;
    const length = items.length;
    if (length % 2 !== 0) {
      throw new CodecError(
        'CODEC_BAD_FIELD',
        `entry has an odd number of items (${length}): expected name, value pairs`,
      );
    }
    if (length > CODEC_LIMITS.maxFields * 2) throw tooManyFields(length / 2);
    for (let i = 0; i < length; i += 2) {
      const name = items[i];
      const value = asFieldValue(items[i + 1], i + 1);
      let slot: number;
      if (typeof name === 'string') slot = slotOfString(name);
      else if (name instanceof Uint8Array) slot = slotOfBytes(name);
      else
        throw new CodecError(
          'CODEC_BAD_FIELD',
          `entry item ${i} (a field name) is ${describeKind(name)}, expected a Buffer or string`,
        );
      if (slot < 0) continue; // unknown fields are ignored: room for additions within version 1
      if (slots[slot] !== undefined) throw badField(SLOT_NAMES[slot]!, 'appears twice');
      slots[slot] = value;
    }
  } else if (typeof fields === 'object' && fields !== null) {
    const record = fields as Readonly<Record<string, unknown>>;
    let count = 0;
    for (const name in record) {
      if (!Object.hasOwn(record, name)) continue;
      if (++count > CODEC_LIMITS.maxFields) throw tooManyFields(count);
      const slot = slotOfString(name);
      const value = asFieldValue(record[name], name);
      if (slot >= 0) slots[slot] = value;
    }
  } else {
    throw new CodecError(
      'CODEC_BAD_FIELD',
      `entry fields must be an array or an object, got ${describeKind(fields)}`,
    );
  }

  const version = slots[Slot.FormatVersion];
  if (version === undefined) {
    if (settings.legacy && !isEmpty(fields)) return decodeLegacy(fields, context, settings);
    throw new CodecError(
      'CODEC_UNKNOWN_FORMAT_VERSION',
      `entry has no '${F.formatVersion}' (format version) field, and legacy decoding is off`,
      { field: F.formatVersion },
    );
  }
  if (!equalsAscii(version, FORMAT_VERSION_TEXT)) {
    const number = readDecimal(version, 9);
    if (number < 0)
      throw badField(F.formatVersion, `must be a decimal format version, got ${preview(version)}`);
    throw new CodecError(
      'CODEC_UNKNOWN_FORMAT_VERSION',
      `entry has format version ${number}; this @redstream/codec reads version ${FORMAT_VERSION_TEXT} (and legacy entries)`,
      { field: F.formatVersion, version: number },
    );
  }
  const id = readText(required(slots[Slot.Id], F.id), F.id, CODEC_LIMITS.maxIdBytes, false);
  const type = readText(
    required(slots[Slot.Type], F.type),
    F.type,
    CODEC_LIMITS.maxTypeBytes,
    false,
  );
  const keyField = slots[Slot.Key];
  const key =
    keyField === undefined ? null : readText(keyField, F.key, CODEC_LIMITS.maxKeyBytes, true);
  const svField = required(slots[Slot.SchemaVersion], F.schemaVersion);
  const schemaVersion = readDecimal(svField, 10);
  if (schemaVersion < 1 || schemaVersion > CODEC_LIMITS.maxSchemaVersion) {
    throw badField(
      F.schemaVersion,
      `must be a schema version from 1 to ${CODEC_LIMITS.maxSchemaVersion}, got ${preview(svField)}`,
    );
  }
  const ctField = required(slots[Slot.ContentType], F.contentType);
  const contentType: ContentType = equalsAscii(ctField, 'json')
    ? 'json'
    : equalsAscii(ctField, 'msgpack')
      ? 'msgpack'
      : unknownContentType(ctField);
  const headersField = slots[Slot.Headers];
  const headers =
    headersField === undefined || headersField.length === 0 ? {} : decodeHeaders(headersField);
  const tsField = required(slots[Slot.Timestamp], F.timestamp);
  const timestamp = readDecimal(tsField, 16);
  if (timestamp < 0 || !Number.isSafeInteger(timestamp)) {
    throw badField(
      F.timestamp,
      `must be milliseconds since epoch as decimal digits, got ${preview(tsField)}`,
    );
  }
  const payloadField = required(slots[Slot.Payload], F.payload);
  const payloadBytes = byteLengthOf(payloadField);
  if (payloadBytes > settings.maxPayloadBytes) {
    throw new CodecError(
      'CODEC_PAYLOAD_TOO_LARGE',
      `${type}: payload is ${payloadBytes} bytes, over maxPayloadBytes ${settings.maxPayloadBytes}`,
      { type, field: F.payload, limit: settings.maxPayloadBytes, actual: payloadBytes },
    );
  }
  let payload =
    contentType === 'json'
      ? decodeJsonPayload(payloadField)
      : decodeMsgpackPayload(msgpackBytes(payloadField));
  let currentVersion = schemaVersion;
  let upcastFrom: number | undefined;
  if (settings.registry) {
    const upgraded = settings.registry.upgrade(type, schemaVersion, payload);
    payload = upgraded.payload;
    currentVersion = upgraded.schemaVersion;
    upcastFrom = upgraded.upcastFrom;
  }
  const event: DecodedEvent = {
    formatVersion: WIRE_FORMAT.formatVersion,
    id,
    type,
    key,
    schemaVersion: currentVersion,
    contentType,
    headers,
    timestamp,
    payload,
  };
  if (upcastFrom !== undefined) event.upcastFrom = upcastFrom;
  return event;
}

function decodeLegacy(
  fields: EntryFields,
  context: DecodeContext | undefined,
  settings: CodecSettings,
): DecodedEvent {
  const pairs: LegacyField[] = [];
  if (Array.isArray(fields)) {
    for (let i = 0; i < fields.length; i += 2) {
      const name = fields[i] as FieldValue;
      pairs.push({
        name:
          typeof name === 'string'
            ? name
            : readText(name, `#${i}`, CODEC_LIMITS.maxTypeBytes, true),
        value: asFieldValue(fields[i + 1], i + 1),
      });
    }
  } else {
    const record = fields as Readonly<Record<string, unknown>>;
    for (const name in record) {
      if (Object.hasOwn(record, name))
        pairs.push({ name, value: asFieldValue(record[name], name) });
    }
  }
  const entryId = context?.entryId;
  const event = decodeLegacyEntry(
    pairs,
    settings.maxPayloadBytes,
    typeof entryId === 'string' ? entryId : undefined,
  );
  if (settings.registry) {
    const upgraded = settings.registry.upgrade(event.type, event.schemaVersion, event.payload);
    event.payload = upgraded.payload;
    event.schemaVersion = upgraded.schemaVersion;
    if (upgraded.upcastFrom !== undefined) event.upcastFrom = upgraded.upcastFrom;
  }
  return event;
}

/**
 * msgpack bytes given as a string are only usable when the string came from valid UTF-8 (then
 * re-encoding restores the bytes). A U+FFFD means the reader already replaced invalid bytes.
 */
function msgpackBytes(value: FieldValue): Uint8Array {
  if (typeof value !== 'string') return value;
  if (value.includes('\uFFFD')) {
    throw badField(
      F.payload,
      'holds msgpack bytes that were read as a UTF-8 string and lost bytes on the way; read entries as Buffers (xrangeBuffer, xreadgroupBuffer, callBuffer)',
    );
  }
  return Buffer.from(value, 'utf8');
}

function unknownContentType(value: FieldValue): never {
  throw badField(F.contentType, `must be 'json' or 'msgpack', got ${preview(value)}`);
}

function required(value: FieldValue | undefined, field: string): FieldValue {
  if (value === undefined) throw badField(field, 'is missing');
  return value;
}

function asFieldValue(value: unknown, at: number | string): FieldValue {
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  throw new CodecError(
    'CODEC_BAD_FIELD',
    `entry value ${typeof at === 'number' ? `at item ${at}` : `of field ${JSON.stringify(at)}`} is ${describeKind(value)}, expected a Buffer or string`,
  );
}

/** Redis has no empty entries (XADD needs a field), so an empty field list is not one. */
function isEmpty(fields: EntryFields): boolean {
  if (Array.isArray(fields)) return fields.length === 0;
  for (const name in fields) if (Object.hasOwn(fields, name)) return false;
  return true;
}

function tooManyFields(count: number): CodecError {
  return new CodecError(
    'CODEC_BAD_FIELD',
    `entry has ${count} fields, over the limit of ${CODEC_LIMITS.maxFields}`,
    {
      limit: CODEC_LIMITS.maxFields,
      actual: count,
    },
  );
}
