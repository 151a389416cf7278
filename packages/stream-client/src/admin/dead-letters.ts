import type { Codec, DecodedEvent } from '@redstream/codec';
import type { RedisClient } from '../connection/redis-connection.js';
import { MetadataField, splitMetadata } from '../consumer/metadata-fields.js';
import { compareEntryIds, entryTimestamp } from '../consumer/stream-entry.js';
import type { RedisKeys } from '../keys.js';
import type { LuaScripts } from '../scripts/lua-scripts.js';

export interface DeadLetter {
  partition: number;
  /** Id of the dead-letter entry. */
  id: string;
  reason: string;
  error: string;
  attempts: number;
  /** Id of the original entry in the partition stream. */
  originId: string;
  group: string;
  consumer: string;
  failedAt: number;
  /** The decoded event, when the original fields decode. */
  event?: DecodedEvent;
  /** The original envelope fields, exactly as the producer wrote them. */
  envelope: Buffer[];
}

export interface DeadLetterQuery {
  /** Only these partitions (default all). */
  partitions?: number[];
  /** Most entries returned, oldest first (default 100). */
  count?: number;
  /** Only dead letters of this group. */
  group?: string;
  /** Keep only those the predicate accepts. */
  filter?: (deadLetter: DeadLetter) => boolean;
}

export interface RedriveOptions extends DeadLetterQuery {
  /** Report what would move without moving anything. */
  dryRun?: boolean;
  /** Max events per second (default unlimited). */
  ratePerSecond?: number;
  /** Append for every group of the topic instead of only the group that dead-lettered it. */
  allGroups?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** The dead-letter streams of a topic (one per partition): list, redrive, purge, count. */
export class DeadLetterStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly scripts: LuaScripts,
    private readonly keys: RedisKeys,
    private readonly codec: Codec,
  ) {}

  /** Dead letters of the topic, oldest first, across partitions. */
  async list(
    topic: string,
    partitions: number,
    query: DeadLetterQuery = {},
  ): Promise<DeadLetter[]> {
    const count = query.count ?? 100;
    const perPartition = await Promise.all(
      selectedPartitions(partitions, query).map(async (partition) => {
        const result: DeadLetter[] = [];
        let from = '-';
        // Page through so filters see every entry, not just the first page.
        for (;;) {
          const page = (await this.redis.xrangeBuffer(
            this.keys.deadLetters(topic, partition),
            from,
            '+',
            'COUNT',
            500,
          )) as Array<[Buffer, Buffer[]]>;
          for (const [idBuffer, fields] of page) {
            const deadLetter = parseDeadLetter(partition, idBuffer.toString(), fields, this.codec);
            if (query.group && deadLetter.group !== query.group) continue;
            if (query.filter && !query.filter(deadLetter)) continue;
            result.push(deadLetter);
          }
          if (page.length < 500 || result.length >= count) break;
          from = `(${page[page.length - 1]![0].toString()}`;
        }
        return result;
      }),
    );
    return perPartition
      .flat()
      .sort((a, b) => compareEntryIds(a.id, b.id))
      .slice(0, count);
  }

  /** One dead letter by its id (one XRANGE of that id), or undefined when it is not there. */
  async get(topic: string, partition: number, id: string): Promise<DeadLetter | undefined> {
    const [entry] = (await this.redis.xrangeBuffer(
      this.keys.deadLetters(topic, partition),
      id,
      id,
    )) as Array<[Buffer, Buffer[]]>;
    return entry
      ? parseDeadLetter(partition, entry[0].toString(), entry[1], this.codec)
      : undefined;
  }

  /** Moves dead letters back to their partition stream (atomically per entry), for their group only unless `allGroups`. */
  async redrive(
    topic: string,
    partitions: number,
    options: RedriveOptions = {},
  ): Promise<{ moved: number; skipped: number; selected: DeadLetter[] }> {
    const selected = await this.list(topic, partitions, {
      ...options,
      count: options.count ?? Number.MAX_SAFE_INTEGER,
    });
    if (options.dryRun) return { moved: 0, skipped: 0, selected };
    const interval = options.ratePerSecond ? 1000 / options.ratePerSecond : 0;
    let moved = 0;
    let skipped = 0;
    const started = Date.now();
    for (const [index, deadLetter] of selected.entries()) {
      if (interval > 0) {
        const due = started + index * interval;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      const fields: Array<string | Buffer> = [...deadLetter.envelope];
      if (!options.allGroups && deadLetter.group)
        fields.push(MetadataField.targetGroup, deadLetter.group);
      const newId = await this.scripts.redrive(
        this.keys.partitionStream(topic, deadLetter.partition),
        this.keys.deadLetters(topic, deadLetter.partition),
        deadLetter.id,
        fields,
      );
      if (newId) moved++;
      else skipped++;
      options.onProgress?.(index + 1, selected.length);
    }
    return { moved, skipped, selected };
  }

  /** Deletes dead letters (all, or those matching the query). Returns how many were deleted. */
  async purge(topic: string, partitions: number, query: DeadLetterQuery = {}): Promise<number> {
    if (!query.filter && !query.group && !query.count) {
      let deleted = 0;
      for (const partition of selectedPartitions(partitions, query)) {
        const stream = this.keys.deadLetters(topic, partition);
        deleted += await this.redis.xlen(stream);
        await this.redis.del(stream);
      }
      return deleted;
    }
    const selected = await this.list(topic, partitions, {
      ...query,
      count: query.count ?? Number.MAX_SAFE_INTEGER,
    });
    for (const deadLetter of selected)
      await this.redis.xdel(this.keys.deadLetters(topic, deadLetter.partition), deadLetter.id);
    return selected.length;
  }

  /** Dead letters per partition. */
  count(topic: string, partitions: number): Promise<number[]> {
    return Promise.all(
      Array.from({ length: partitions }, (_, p) =>
        this.redis.xlen(this.keys.deadLetters(topic, p)),
      ),
    );
  }
}

function selectedPartitions(partitions: number, query: DeadLetterQuery): number[] {
  return query.partitions ?? Array.from({ length: partitions }, (_, p) => p);
}

function parseDeadLetter(
  partition: number,
  id: string,
  fields: Buffer[],
  codec: Codec,
): DeadLetter {
  const { envelope, metadata } = splitMetadata(fields);
  let event: DecodedEvent | undefined;
  try {
    event = codec.decode(envelope);
  } catch {
    // Poison input stays undecodable; the envelope is still there to inspect.
  }
  return {
    partition,
    id,
    reason: metadata.get(MetadataField.dlqReason) ?? 'unknown',
    error: metadata.get(MetadataField.dlqError) ?? '',
    attempts: Number(metadata.get(MetadataField.dlqAttempts) ?? 0),
    originId: metadata.get(MetadataField.dlqOriginId) ?? '',
    group: metadata.get(MetadataField.dlqGroup) ?? '',
    consumer: metadata.get(MetadataField.dlqConsumer) ?? '',
    failedAt: Number(metadata.get(MetadataField.dlqFailedAt) ?? entryTimestamp(id)),
    ...(event ? { event } : {}),
    envelope,
  };
}
