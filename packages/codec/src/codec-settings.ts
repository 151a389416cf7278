import type { ContentType } from './event-types.js';
import type { CodecSchemas } from './schema-registry.js';

/** The checked options a codec runs with, shared by its encoder and decoder. */
export interface CodecSettings {
  readonly contentType: ContentType;
  readonly maxPayloadBytes: number;
  readonly legacy: boolean;
  readonly registry: CodecSchemas | undefined;
}
