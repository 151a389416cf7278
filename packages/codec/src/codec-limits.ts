/**
 * Fixed limits of the wire format (docs/wire-format.md, "Limits"). They bound the work decode does
 * on untrusted entries: with them, garbage costs at most a few passes over the bytes Redis gave us.
 * Only the payload size is configurable (`maxPayloadBytes`), because it is the one a workload
 * legitimately tunes.
 */
export const CODEC_LIMITS = {
  /** Default for the `maxPayloadBytes` option: 1 MiB. */
  defaultMaxPayloadBytes: 1024 * 1024,
  /** Largest accepted `maxPayloadBytes`: Redis's own bulk-string ceiling (512 MiB). */
  maxPayloadBytesCeiling: 512 * 1024 * 1024,
  /** Event id, in UTF-8 bytes. A UUID is 36. */
  maxIdBytes: 128,
  /** Event type, in UTF-8 bytes. */
  maxTypeBytes: 256,
  /** Partition key, in UTF-8 bytes. */
  maxKeyBytes: 1024,
  /** Number of headers. */
  maxHeaders: 64,
  /** The `h` field (headers as JSON), in bytes. */
  maxHeaderBytes: 16 * 1024,
  /** Fields (name/value pairs) in one entry; an XRANGE field array holds twice this many items. */
  maxFields: 256,
  /** Nesting of arrays/objects in a payload (encode always; decode wherever this library walks). */
  maxDepth: 128,
  /** Decimal digits of a bigint (about 13,600 bits); longer ones are refused, BigInt() is quadratic. */
  maxBigIntDigits: 4096,
  /** Largest schema version number. */
  maxSchemaVersion: 2 ** 31 - 1,
} as const;
