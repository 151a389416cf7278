import { type Codec, type DecodedEvent, peekEntryKey } from '@redstream/codec';
import { splitMetadata } from '../metadata-fields.js';
import type { StreamEntry } from '../stream-entry.js';
import type { CountedRun } from './run-counter.js';

/**
 * An entry of an owned partition on its way to the handler, with the key that orders it.
 * The vocabulary the partition's reader and key runner share (neither imports the other).
 */
export interface WorkItem {
  entry: StreamEntry;
  /** Entries of one key run one at a time, in stream order. */
  key: string;
  /** Set when the key could only be found by decoding the whole event. */
  decoded?: DecodedEvent;
  /** Key runner: the count of its run, sent and not yet ended or taken back. */
  run?: CountedRun | undefined;
  /** Key runner: a head waiting out a retry backoff (it does not count against maxInFlight). */
  parked?: boolean;
}

/**
 * Only the key is read now; the payload is decoded when the entry's turn comes, so the decoded
 * objects die young instead of waiting in a queue (and in the old generation).
 */
export function workItemOf(entry: StreamEntry, codec: Codec): WorkItem {
  const peeked = entry.fields ? peekEntryKey(entry.fields) : undefined;
  if (peeked !== undefined) return { entry, key: peeked ?? keylessKey(entry) };
  if (entry.fields) {
    try {
      const decoded = codec.decode(splitMetadata(entry.fields).envelope);
      return { entry, key: decoded.key ?? keylessKey(entry), decoded };
    } catch {
      // Undecodable: it will be dead-lettered; it must not hold up (or be held by) any key.
    }
  }
  return { entry, key: keylessKey(entry) };
}

/** Keyless and undecodable events carry no order promise: each is its own key and runs freely. */
function keylessKey(entry: StreamEntry): string {
  return `\0${entry.id}`;
}
