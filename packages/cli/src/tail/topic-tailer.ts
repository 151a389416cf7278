import type { DecodedEvent } from '@redstream/codec';
import type { StreamClient } from '@redstream/stream-client';
import { abortableSleep } from '../abortable-sleep.js';
import type { StreamPosition } from '../input/stream-position.js';

export interface TailedEntry {
  partition: number;
  entryId: string;
  /** Set when the envelope decodes. */
  event?: DecodedEvent;
  /** Why the entry did not decode (poison input is shown, not skipped). */
  decodeError?: string;
  /** Redriven or replayed entries are meant for this group only. */
  targetGroup?: string;
}

const PAGE = 200;
const TARGET_GROUP_FIELD = 'rs:group';

/**
 * Reads new entries of a topic's partition streams with plain XRANGE, never through a
 * consumer group, so tailing changes nothing in Redis (no group, no pending entries). Each
 * partition is read with its own command, which keeps every read in one cluster slot; an idle
 * topic is polled every `pollMs`.
 */
export async function* tailTopic(
  client: StreamClient,
  topic: string,
  partitions: readonly number[],
  from: StreamPosition,
  signal: AbortSignal,
  pollMs = 200,
): AsyncGenerator<TailedEntry[]> {
  const streams = partitions.map((partition) => client.keys.partitionStream(topic, partition));
  const cursors = await Promise.all(streams.map((stream) => startCursor(client, stream, from)));
  while (!signal.aborted) {
    const pages = await Promise.all(
      streams.map(
        (stream, i) =>
          client.redis.xrangeBuffer(stream, cursors[i]!, '+', 'COUNT', PAGE) as Promise<
            Array<[Buffer, Buffer[]]>
          >,
      ),
    );
    const batch: TailedEntry[] = [];
    pages.forEach((page, i) => {
      const last = page.at(-1);
      if (last) cursors[i] = `(${last[0].toString()}`;
      for (const [id, fields] of page)
        batch.push(decodeEntry(client, partitions[i]!, id.toString(), fields));
    });
    if (batch.length > 0) yield batch.sort(byEntryTime);
    // A full page means more is waiting: read again at once.
    if (!pages.some((page) => page.length === PAGE)) await abortableSleep(pollMs, signal);
  }
}

async function startCursor(
  client: StreamClient,
  stream: string,
  from: StreamPosition,
): Promise<string> {
  if (from.kind === 'start') return from.start;
  const [last] = await client.redis.xrevrange(stream, '+', '-', 'COUNT', 1);
  return last ? `(${last[0]}` : '-';
}

function decodeEntry(
  client: StreamClient,
  partition: number,
  entryId: string,
  fields: Buffer[],
): TailedEntry {
  // Library metadata (`rs:` fields: redrive/replay targets, retry markers) is not part of the envelope.
  const envelope: Buffer[] = [];
  let targetGroup: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toString('utf8');
    if (name === TARGET_GROUP_FIELD) targetGroup = fields[i + 1]!.toString('utf8');
    else if (!name.startsWith('rs:')) envelope.push(fields[i]!, fields[i + 1]!);
  }
  const entry: TailedEntry = { partition, entryId, ...(targetGroup ? { targetGroup } : {}) };
  try {
    entry.event = client.codec.decode(envelope, { entryId });
  } catch (error) {
    entry.decodeError = error instanceof Error ? error.message : String(error);
  }
  return entry;
}

function byEntryTime(a: TailedEntry, b: TailedEntry): number {
  const [aMs, aSeq] = a.entryId.split('-').map(BigInt) as [bigint, bigint];
  const [bMs, bSeq] = b.entryId.split('-').map(BigInt) as [bigint, bigint];
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return a.partition - b.partition;
}
