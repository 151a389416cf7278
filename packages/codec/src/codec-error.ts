/**
 * Every code a CodecError can carry. The strings are stable: consumers match on them, dead-letter
 * records store them, and docs/wire-format.md lists them.
 */
export const CODEC_ERROR_CODES = [
  /** The entry's `v` field names a format version this library does not read (or is missing). */
  'CODEC_UNKNOWN_FORMAT_VERSION',
  /** An envelope field is missing, duplicated, malformed, or over its limit; or the field list is. */
  'CODEC_BAD_FIELD',
  /** The payload bytes do not parse under the entry's content type, or carry an invalid tag. */
  'CODEC_MALFORMED_PAYLOAD',
  /** The payload is larger than `maxPayloadBytes` (checked on encode and on decode). */
  'CODEC_PAYLOAD_TOO_LARGE',
  /** The payload holds a value the codec cannot carry (function, symbol, Map, class instance...). */
  'CODEC_UNSUPPORTED_VALUE',
  /** The payload nests deeper than the depth limit (or is cyclic). */
  'CODEC_NESTING_TOO_DEEP',
  /** The payload fails the registered schema of its type and version. */
  'CODEC_SCHEMA_VIOLATION',
  /** A schema's validator returned a Promise; encode and decode are synchronous. */
  'CODEC_ASYNC_SCHEMA',
  /** The registry does not know the event type (and does not let unknown types through). */
  'CODEC_UNKNOWN_TYPE',
  /** The registry knows the type but not this schema version (older than its first one). */
  'CODEC_UNKNOWN_VERSION',
  /** The event was written with a newer schema version than the registry knows. */
  'CODEC_NEWER_VERSION',
  /** An upcaster threw while lifting a payload to the next version. */
  'CODEC_UPCAST_FAILED',
  /** A schema registration is invalid (bad version order, missing upcaster, not a Standard Schema). */
  'CODEC_BAD_REGISTRATION',
  /** A codec option is invalid. */
  'CODEC_BAD_OPTION',
  /** The event given to encode is invalid (bad type, id, key, headers, timestamp, version). */
  'CODEC_BAD_EVENT',
] as const;

export type CodecErrorCode = (typeof CODEC_ERROR_CODES)[number];

/** One failing check of a schema, with its path rendered like `items[0].sku` ('' for the root). */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

/** What the error is about; only the keys that apply are set. */
export interface CodecErrorContext {
  /** Event type. */
  readonly type?: string;
  /** Schema version (or format version for CODEC_UNKNOWN_FORMAT_VERSION). */
  readonly version?: number;
  /** Envelope field name (`id`, `ts`...) or option name. */
  readonly field?: string;
  /** Path inside the payload, like `items[0].sku`. */
  readonly path?: string;
  /** Every issue the schema reported, for CODEC_SCHEMA_VIOLATION. */
  readonly issues?: readonly SchemaIssue[];
  /** The limit that was exceeded and the size that exceeded it. */
  readonly limit?: number;
  readonly actual?: number;
}

/**
 * The one error class of @redstream/codec. Codec failures are deterministic (the same bytes fail
 * the same way every time), so `retriable` is always false: a consumer should dead-letter the
 * entry rather than retry it.
 */
export class CodecError extends Error {
  readonly code: CodecErrorCode;
  readonly retriable = false as const;
  readonly context: CodecErrorContext;

  constructor(
    code: CodecErrorCode,
    message: string,
    context: CodecErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CodecError';
    this.code = code;
    this.context = context;
  }

  get type(): string | undefined {
    return this.context.type;
  }
  get version(): number | undefined {
    return this.context.version;
  }
  get field(): string | undefined {
    return this.context.field;
  }
  get path(): string | undefined {
    return this.context.path;
  }
  get issues(): readonly SchemaIssue[] | undefined {
    return this.context.issues;
  }
}

export function isCodecError(value: unknown): value is CodecError {
  return value instanceof CodecError;
}

/** Renders anything thrown (msgpackr throws non-Error values for some inputs) for a message. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  try {
    return String(thrown);
  } catch {
    return 'unprintable value';
  }
}
