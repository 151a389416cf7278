/** How the payload bytes (`p` field) are encoded; written in the entry's `ct` field. */
export type ContentType = 'json' | 'msgpack';

/** What a producer hands to `encode`. */
export interface EventInput<P = unknown> {
  type: string;
  payload: P;
  /** Partition key; null/undefined = keyless. The empty string is a key (it differs from null). */
  key?: string | null;
  /** Event id, the idempotency key; a UUIDv7 is generated when absent. */
  id?: string;
  /** String map carried beside the payload: `traceparent`, correlation id, custom. */
  headers?: Record<string, string>;
  /** Default: the registry's newest version of `type`, else 1. */
  schemaVersion?: number;
  /** Producer time, ms since epoch; default Date.now(). */
  timestamp?: number;
}

/** What `decode` returns. */
export interface DecodedEvent<P = unknown> {
  /** 1 for entries of this format; 0 for entries read by the legacy decoder. */
  formatVersion: number;
  id: string;
  type: string;
  key: string | null;
  /**
   * The schema version the payload has now: the registry's newest when it upcast the payload,
   * else the version the producer wrote.
   */
  schemaVersion: number;
  contentType: ContentType;
  headers: Record<string, string>;
  timestamp: number;
  payload: P;
  /** Set only when a registry upcast the payload: the version the producer wrote. */
  upcastFrom?: number;
}

/** The fields of one stream entry, flat `[name, value, name, value, ...]`, ready for XADD. */
export interface EncodedEvent {
  id: string;
  fields: Array<string | Buffer>;
  /** UTF-8 bytes of all field names and values together (what the entry costs on the wire). */
  byteLength: number;
}

/** Fields as XRANGE/XREADGROUP return them (flat array) or as an object of name -> value. */
export type EntryFields =
  | ReadonlyArray<Buffer | string>
  | Readonly<Record<string, Buffer | string>>;

/** Optional facts about the entry that only the reader knows. */
export interface DecodeContext {
  /**
   * The stream entry id (`1700000000000-0`). Only the legacy decoder uses it: legacy entries have
   * no event id or producer time of their own.
   */
  entryId?: string;
}
