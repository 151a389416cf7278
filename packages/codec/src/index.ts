export {
  CODEC_DEFAULTS,
  type Codec,
  type CodecOptions,
  type ConfiguredCodec,
  createCodec,
} from './codec.js';
export {
  CODEC_ERROR_CODES,
  CodecError,
  type CodecErrorCode,
  type CodecErrorContext,
  isCodecError,
  type SchemaIssue,
} from './codec-error.js';
export { CODEC_LIMITS } from './codec-limits.js';
export { peekEntryKey } from './entry-key.js';
export { eventIdTime, newEventId } from './event-id.js';
export type {
  ContentType,
  DecodeContext,
  DecodedEvent,
  EncodedEvent,
  EntryFields,
  EventInput,
} from './event-types.js';
export {
  type AnyTypedEvent,
  type CodecSchemas,
  type EventHandlers,
  type EventTypeMap,
  type PayloadOf,
  type RegisteredTypes,
  SchemaRegistry,
  type SchemaRegistryOptions,
  type TypedEvent,
  type UnknownTypePolicy,
  type Upcaster,
  type UpgradedPayload,
} from './schema-registry.js';
export { WIRE_FORMAT } from './wire-format.js';
