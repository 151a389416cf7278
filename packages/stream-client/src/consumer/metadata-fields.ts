/**
 * Field names the library adds next to the codec's envelope fields, all under `rs:` so they
 * can never collide with envelope fields and can be stripped before decoding.
 */
export const MetadataField = {
  /** On a group retry entry: the attempt number this delivery is. */
  retryAttempt: 'rs:attempt',
  /** On a group retry entry: `<stream>@<entry id>` of the original entry. */
  retryOrigin: 'rs:origin',
  /** On a redriven or replayed entry: only this group handles it; other groups skip it. */
  targetGroup: 'rs:group',
  dlqReason: 'rs:dlq:reason',
  dlqError: 'rs:dlq:error',
  dlqAttempts: 'rs:dlq:attempts',
  dlqOriginId: 'rs:dlq:origin-id',
  dlqPartition: 'rs:dlq:partition',
  dlqGroup: 'rs:dlq:group',
  dlqConsumer: 'rs:dlq:consumer',
  dlqFailedAt: 'rs:dlq:failed-at',
} as const;

export const METADATA_PREFIX = 'rs:';

export interface SplitFields {
  envelope: Buffer[];
  metadata: ReadonlyMap<string, string>;
}

/** Shared by every entry without metadata (nearly all of them): no Map per entry. */
const NO_METADATA: ReadonlyMap<string, string> = new Map();

/** Separates library metadata from the envelope fields of a raw entry (flat name/value list). */
export function splitMetadata(fields: Buffer[]): SplitFields {
  let hasMetadata = false;
  for (let i = 0; i < fields.length; i += 2) {
    if (isMetadataName(fields[i]!)) {
      hasMetadata = true;
      break;
    }
  }
  if (!hasMetadata) return { envelope: fields, metadata: NO_METADATA };
  const envelope: Buffer[] = [];
  const metadata = new Map<string, string>();
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1] ?? Buffer.alloc(0);
    if (isMetadataName(name)) metadata.set(name.toString('utf8'), value.toString('utf8'));
    else envelope.push(name, value);
  }
  return { envelope, metadata };
}

function isMetadataName(name: Buffer): boolean {
  // 'r' 's' ':'
  return name.length > 3 && name[0] === 0x72 && name[1] === 0x73 && name[2] === 0x3a;
}
