import { CodecError, describeThrown } from './codec-error.js';
import { CODEC_LIMITS } from './codec-limits.js';
import { eventIdAt } from './event-id.js';
import type {
  ContentType,
  DecodeContext,
  DecodedEvent,
  EncodedEvent,
  EntryFields,
  EventInput,
} from './event-types.js';
import {
  badField,
  byteLengthOf,
  equalsAscii,
  type FieldValue,
  preview,
  readDecimal,
  readText,
} from './field-value.js';
import { decodeHeaders, encodeHeaders } from './header-map.js';
import { decodeJsonPayload, encodeJsonPayload } from './json-payload.js';
import { decodeLegacyEntry, type LegacyField } from './legacy-decoder.js';
import { decodeMsgpackPayload, encodeMsgpackPayload } from './msgpack-payload.js';
import type { UpgradedPayload } from './schema-registry.js';
import { SLOT_NAMES, Slot, slotOfBytes, slotOfString, WIRE_FORMAT } from './wire-format.js';

/**
 * What the codec needs from a registry. SchemaRegistry implements it; the option is typed by
 * this shape so a registry of any type map is accepted.
 */
export interface CodecSchemas {
  checkOutgoing(type: string, version: number | undefined, payload: unknown): number | undefined;
  upgrade(type: string, version: number, payload: unknown): UpgradedPayload;
}

export interface CodecOptions {
  /** Content type of the payloads this codec writes (decode follows each entry's own). */
  contentType?: ContentType;
  /** Largest payload in bytes, on encode and on decode. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Validate on encode and decode, upcast on decode. */
  registry?: CodecSchemas;
  /** Decode entries without a `v` field as entries of the original Go demo. Default true. */
  legacy?: boolean;
}

/** The contract other packages code against (and may implement, e.g. as a test double). */
export interface Codec {
  readonly contentType: ContentType;
  encode<P>(input: EventInput<P>): EncodedEvent;
  /** Fields as XRANGE/XREADGROUP return them (flat array of Buffers or strings) or as an object. */
  decode<P = unknown>(fields: EntryFields, context?: DecodeContext): DecodedEvent<P>;
}

/** What createCodec returns: a Codec that also tells its settled options. */
export interface ConfiguredCodec extends Codec {
  readonly maxPayloadBytes: number;
  readonly legacy: boolean;
}

export const CODEC_DEFAULTS = {
  contentType: 'json',
  maxPayloadBytes: CODEC_LIMITS.defaultMaxPayloadBytes,
  legacy: true,
} as const satisfies CodecOptions;

const F = WIRE_FORMAT.fields;
const FORMAT_VERSION_TEXT = String(WIRE_FORMAT.formatVersion);
/** Bytes of all field names of an entry; the key's name is added when there is a key. */
const NAME_BYTES_WITHOUT_KEY =
  SLOT_NAMES.reduce((sum, name) => sum + name.length, 0) - F.key.length;

/** Creates a codec; options are checked here, once, with messages that name the option. */
export function createCodec(options: CodecOptions = {}): ConfiguredCodec {
  return new EventCodec(options);
}

class EventCodec implements ConfiguredCodec {
  readonly contentType: ContentType;
  readonly maxPayloadBytes: number;
  readonly legacy: boolean;
  readonly #registry: CodecSchemas | undefined;

  constructor(options: CodecOptions) {
    if (typeof options !== 'object' || options === null) {
      throw badOption('options', 'must be an object');
    }
    const contentType = options.contentType ?? CODEC_DEFAULTS.contentType;
    if (contentType !== 'json' && contentType !== 'msgpack') {
      throw badOption(
        'contentType',
        `must be 'json' or 'msgpack', got ${JSON.stringify(contentType)}`,
      );
    }
    const maxPayloadBytes = options.maxPayloadBytes ?? CODEC_DEFAULTS.maxPayloadBytes;
    if (
      !Number.isSafeInteger(maxPayloadBytes) ||
      maxPayloadBytes < 1 ||
      maxPayloadBytes > CODEC_LIMITS.maxPayloadBytesCeiling
    ) {
      throw badOption(
        'maxPayloadBytes',
        `must be an integer from 1 to ${CODEC_LIMITS.maxPayloadBytesCeiling} (512 MiB), got ${String(maxPayloadBytes)}`,
      );
    }
    const legacy = options.legacy ?? CODEC_DEFAULTS.legacy;
    if (typeof legacy !== 'boolean')
      throw badOption('legacy', `must be a boolean, got ${typeof legacy}`);
    const registry = options.registry;
    if (
      registry !== undefined &&
      (typeof registry?.checkOutgoing !== 'function' || typeof registry.upgrade !== 'function')
    ) {
      throw badOption('registry', 'must be a SchemaRegistry');
    }
    this.contentType = contentType;
    this.maxPayloadBytes = maxPayloadBytes;
    this.legacy = legacy;
    this.#registry = registry;
  }

  encode<P>(input: EventInput<P>): EncodedEvent {
    try {
      return this.#encode(input);
    } catch (thrown) {
      if (thrown instanceof CodecError) throw thrown;
      // A throwing getter or proxy inside the payload, most likely.
      throw new CodecError(
        'CODEC_UNSUPPORTED_VALUE',
        `event could not be encoded: ${describeThrown(thrown)}`,
        {},
        { cause: thrown },
      );
    }
  }

  decode<P = unknown>(fields: EntryFields, context?: DecodeContext): DecodedEvent<P> {
    try {
      return this.#decode(fields, context) as DecodedEvent<P>;
    } catch (thrown) {
      if (thrown instanceof CodecError) throw thrown;
      // Unreachable by design; the guard keeps garbage from ever surfacing as a TypeError.
      throw new CodecError(
        'CODEC_BAD_FIELD',
        `entry could not be decoded: ${describeThrown(thrown)}`,
        {},
        { cause: thrown },
      );
    }
  }

  #encode(input: EventInput<unknown>): EncodedEvent {
    if (typeof input !== 'object' || input === null) {
      throw badEvent(
        'event',
        `must be an object with type and payload, got ${describeKind(input)}`,
      );
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
    if (this.#registry) {
      schemaVersion =
        this.#registry.checkOutgoing(type, schemaVersion, input.payload) ?? schemaVersion;
    }
    schemaVersion ??= 1;

    let payload: string | Buffer;
    let payloadBytes: number;
    if (this.contentType === 'json') {
      payload = encodeJsonPayload(input.payload);
      payloadBytes = Buffer.byteLength(payload);
    } else {
      payload = encodeMsgpackPayload(input.payload);
      payloadBytes = payload.length;
    }
    if (payloadBytes > this.maxPayloadBytes) {
      throw new CodecError(
        'CODEC_PAYLOAD_TOO_LARGE',
        `${type}: payload is ${payloadBytes} bytes encoded as ${this.contentType}, over maxPayloadBytes ${this.maxPayloadBytes}`,
        { type, field: F.payload, limit: this.maxPayloadBytes, actual: payloadBytes },
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
            this.contentType,
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
            this.contentType,
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
      this.contentType.length +
      utf8Length(headers) +
      ts.length +
      payloadBytes;
    return { id, fields, byteLength };
  }

  #decode(fields: EntryFields, context: DecodeContext | undefined): DecodedEvent {
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
      if (this.legacy && !isEmpty(fields)) return this.#decodeLegacy(fields, context);
      throw new CodecError(
        'CODEC_UNKNOWN_FORMAT_VERSION',
        `entry has no '${F.formatVersion}' (format version) field, and legacy decoding is off`,
        { field: F.formatVersion },
      );
    }
    if (!equalsAscii(version, FORMAT_VERSION_TEXT)) {
      const number = readDecimal(version, 9);
      if (number < 0)
        throw badField(
          F.formatVersion,
          `must be a decimal format version, got ${preview(version)}`,
        );
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
    if (payloadBytes > this.maxPayloadBytes) {
      throw new CodecError(
        'CODEC_PAYLOAD_TOO_LARGE',
        `${type}: payload is ${payloadBytes} bytes, over maxPayloadBytes ${this.maxPayloadBytes}`,
        { type, field: F.payload, limit: this.maxPayloadBytes, actual: payloadBytes },
      );
    }
    let payload =
      contentType === 'json'
        ? decodeJsonPayload(payloadField)
        : decodeMsgpackPayload(msgpackBytes(payloadField));
    let currentVersion = schemaVersion;
    let upcastFrom: number | undefined;
    if (this.#registry) {
      const upgraded = this.#registry.upgrade(type, schemaVersion, payload);
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

  #decodeLegacy(fields: EntryFields, context: DecodeContext | undefined): DecodedEvent {
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
      this.maxPayloadBytes,
      typeof entryId === 'string' ? entryId : undefined,
    );
    if (this.#registry) {
      const upgraded = this.#registry.upgrade(event.type, event.schemaVersion, event.payload);
      event.payload = upgraded.payload;
      event.schemaVersion = upgraded.schemaVersion;
      if (upgraded.upcastFrom !== undefined) event.upcastFrom = upgraded.upcastFrom;
    }
    return event;
  }
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

function badEvent(field: string, message: string): CodecError {
  return new CodecError('CODEC_BAD_EVENT', `event ${field} ${message}`, { field });
}

function badOption(field: string, message: string): CodecError {
  return new CodecError('CODEC_BAD_OPTION', `codec option ${field} ${message}`, { field });
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
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
