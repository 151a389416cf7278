import { CodecError, describeThrown } from './codec-error.js';
import { CODEC_LIMITS } from './codec-limits.js';
import type { CodecSettings } from './codec-settings.js';
import { decodeEntry } from './entry-decoder.js';
import { encodeEntry } from './entry-encoder.js';
import type {
  ContentType,
  DecodeContext,
  DecodedEvent,
  EncodedEvent,
  EntryFields,
  EventInput,
} from './event-types.js';
import type { CodecSchemas } from './schema-registry.js';

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

/** Creates a codec; options are checked here, once, with messages that name the option. */
export function createCodec(options: CodecOptions = {}): ConfiguredCodec {
  return new EventCodec(options);
}

class EventCodec implements ConfiguredCodec, CodecSettings {
  readonly contentType: ContentType;
  readonly maxPayloadBytes: number;
  readonly legacy: boolean;
  readonly registry: CodecSchemas | undefined;

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
    this.registry = registry;
  }

  encode<P>(input: EventInput<P>): EncodedEvent {
    try {
      return encodeEntry(input, this);
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
      return decodeEntry(fields, context, this) as DecodedEvent<P>;
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
}

function badOption(field: string, message: string): CodecError {
  return new CodecError('CODEC_BAD_OPTION', `codec option ${field} ${message}`, { field });
}
