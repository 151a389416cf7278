import { type Codec, type EncodedEvent, type EventInput, isCodecError } from '@redstream/codec';
import type { Logger } from 'pino';
import { isConnectionError } from '../connection/connection-errors.js';
import type { RedisClient } from '../connection/redis-connection.js';
import { ServerClock } from '../connection/server-clock.js';
import { ConnectionError, InvalidEventError, InvalidOptionError } from '../errors.js';
import type { RedisKeys } from '../keys.js';
import { partitionFor } from '../partitioner.js';
import { LuaScripts } from '../scripts/lua-scripts.js';
import { traceSend } from '../telemetry/producer-tracing.js';
import { type TopicInfo, type TopicRegistry, xaddTrim } from '../topics/topic-registry.js';
import type { DelayedDelivery, ScheduledPublish } from './delayed-delivery.js';

export interface PublishResult {
  eventId: string;
  /** Stream entry id, e.g. `1700000000000-0`. */
  entryId: string;
  partition: number;
  /** True when the event id was already published within the idempotency window (nothing appended). */
  duplicate: boolean;
}

export interface PublishOptions {
  /** Append after this many milliseconds (through a BullMQ delayed job). */
  delayMs?: number;
  /** Append at this time. */
  at?: Date | number;
}

export interface ProducerOptions {
  /**
   * Which publishes are deduplicated by event id (atomic check-and-add in the partition's
   * slot): `explicit-ids` (default) for events whose id the caller chose, since only those
   * can be retried with the same id; `always` also for generated ids; `never` for none.
   */
  idempotence?: 'explicit-ids' | 'always' | 'never';
  /** How long an event id is remembered for deduplication. Default 5 minutes. */
  idempotenceWindowMs?: number;
  /** Most events per append request (one script call per partition and chunk) in publishMany. */
  pipelineChunkSize?: number;
}

/**
 * Connection-level failures become a retriable ConnectionError (an API answers 503 and the
 * caller retries with the same event ids); anything else (a script error, WRONGTYPE) as is.
 */
function asPublishError(error: unknown, topic: string): unknown {
  if (!isConnectionError(error)) return error;
  return new ConnectionError(
    `publish to ${topic} failed: Redis is unreachable (${(error as Error).message})`,
    error,
  );
}

const DEFAULTS = {
  idempotence: 'explicit-ids',
  idempotenceWindowMs: 5 * 60_000,
  pipelineChunkSize: 1000,
} as const;

/**
 * Field text per chunk, in string length or Buffer bytes (a string's UTF-8 is at most three
 * bytes per unit): 4 Mi units keeps a request under 12 MiB.
 */
const CHUNK_MAX_UNITS = 4 * 1024 * 1024;

/** An event at least this large (field text) without a marker is appended by XADD, not the script. */
const DIRECT_APPEND_UNITS = 2 * 1024;

/** What one append answers per event, in chunk order. */
interface AppendReply {
  entryId: string;
  duplicate: boolean;
}

interface PreparedEvent {
  index: number;
  encoded: EncodedEvent;
  partition: number;
  idempotent: boolean;
}

/** Appends events to the partition streams of topics. */
export class Producer {
  private readonly options: Required<ProducerOptions>;
  private readonly scripts: LuaScripts;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly topics: TopicRegistry,
    private readonly codec: Codec,
    private readonly delayed: () => DelayedDelivery,
    options: ProducerOptions = {},
    private readonly logger?: Logger,
    private readonly serverClock: ServerClock = new ServerClock(redis),
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.scripts = new LuaScripts(redis);
    if (!['explicit-ids', 'always', 'never'].includes(this.options.idempotence)) {
      throw new InvalidOptionError(
        'idempotence',
        "'explicit-ids', 'always' or 'never'",
        this.options.idempotence,
      );
    }
    if (
      !Number.isInteger(this.options.idempotenceWindowMs) ||
      this.options.idempotenceWindowMs < 1000
    ) {
      throw new InvalidOptionError(
        'idempotenceWindowMs',
        'an integer >= 1000',
        this.options.idempotenceWindowMs,
      );
    }
  }

  /** Publishes one event; with `delayMs`/`at` it is scheduled instead and appended once when due. */
  async publish<P>(
    topic: string,
    event: EventInput<P>,
    options: PublishOptions = {},
  ): Promise<PublishResult> {
    const info = await this.topics.requireTopic(topic);
    if (options.delayMs !== undefined || options.at !== undefined) {
      return this.schedule(info, event, options);
    }
    const [result] = await traceSend(topic, [event], ([traced]) =>
      this.appendAll(info, [this.prepare(info, traced!, 0, false)]),
    );
    return result!;
  }

  /**
   * Publishes many events: one append request per partition and chunk (never one awaited round trip each).
   * Results are in input order. An event the codec refuses rejects the whole call, before
   * anything is sent, with an InvalidEventError naming its index.
   */
  async publishMany<P>(
    topic: string,
    events: ReadonlyArray<EventInput<P>>,
  ): Promise<PublishResult[]> {
    const info = await this.topics.requireTopic(topic);
    return traceSend(topic, events, (traced) =>
      this.appendAll(
        info,
        traced.map((event, index) => this.prepare(info, event, index, true)),
      ),
    );
  }

  /** Appends an already-encoded event (delayed delivery, redrive): the bytes stay as they were. */
  async appendEncoded(
    topic: string,
    encoded: EncodedEvent,
    key: string | null,
    idempotent = true,
  ): Promise<PublishResult> {
    const info = await this.topics.requireTopic(topic);
    const partition = partitionFor(key, encoded.id, info.partitions);
    const [result] = await this.appendAll(info, [{ index: 0, encoded, partition, idempotent }]);
    return result!;
  }

  /**
   * Encodes, turning a codec refusal into an InvalidEventError: callers of publish see only
   * StreamClientErrors, and the CodecError (with its code and path) stays reachable as `cause`.
   */
  private encode<P>(event: EventInput<P>, index?: number): EncodedEvent {
    try {
      return this.codec.encode(event);
    } catch (error) {
      if (isCodecError(error)) throw new InvalidEventError(error, index);
      throw error;
    }
  }

  private prepare<P>(
    info: TopicInfo,
    event: EventInput<P>,
    index: number,
    inBatch: boolean,
  ): PreparedEvent {
    const encoded = this.encode(event, inBatch ? index : undefined);
    const idempotence = this.options.idempotence;
    const idempotent =
      idempotence === 'always' || (idempotence === 'explicit-ids' && event.id !== undefined);
    return {
      index,
      encoded,
      partition: partitionFor(event.key, encoded.id, info.partitions),
      idempotent,
    };
  }

  private async appendAll(info: TopicInfo, prepared: PreparedEvent[]): Promise<PublishResult[]> {
    const results = new Array<PublishResult>(prepared.length);
    const byPartition = new Map<number, PreparedEvent[]>();
    for (const event of prepared) {
      const list = byPartition.get(event.partition);
      if (list) list.push(event);
      else byPartition.set(event.partition, [event]);
    }
    const trim = await this.trimClause(info);
    // One script call per partition and chunk (all its keys share the partition's hash slot,
    // which Redis Cluster requires); partitions are appended concurrently, a partition's
    // chunks one after another, so a failed chunk stops the ones after it (key order).
    // Every partition settles before the call does: a caller that sees the rejection knows
    // nothing more is being appended for it.
    const outcomes = await Promise.allSettled(
      [...byPartition].map(async ([partition, events]) => {
        const stream = this.keys.partitionStream(info.name, partition);
        for (const { direct, events: chunk } of this.chunksOf(events)) {
          const replies = direct
            ? await this.appendDirect(info.name, stream, chunk, trim)
            : await this.appendChunk(info.name, stream, partition, chunk, trim);
          chunk.forEach((event, i) => {
            const reply = replies[i];
            if (!reply) throw new Error(`append answered ${replies.length} of ${chunk.length}`);
            results[event.index] = {
              eventId: event.encoded.id,
              entryId: reply.entryId,
              partition,
              duplicate: reply.duplicate,
            };
          });
        }
      }),
    );
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    return results;
  }

  /**
   * Splits a partition's events into chunks of at most `pipelineChunkSize` events and about
   * CHUNK_MAX_UNITS of field text. One chunk is one script run, and a script holds Redis for
   * every other client while it runs, with the whole request (and the script's copy of its
   * arguments) in memory: large events make smaller chunks. A run of large events that need
   * no marker makes a chunk of its own, appended by XADDs in a transaction (`direct`): a script copies
   * every argument into Lua and back, which for a 64 KiB payload cost Redis three times the
   * XADD itself, while the per-command cost the script saves is small beside such an event.
   */
  private *chunksOf(
    events: PreparedEvent[],
  ): Generator<{ direct: boolean; events: PreparedEvent[] }> {
    let chunk: PreparedEvent[] = [];
    let direct = false;
    let units = 0;
    for (const event of events) {
      let size = 0;
      for (const field of event.encoded.fields) size += field.length;
      const eventDirect = !event.idempotent && size >= DIRECT_APPEND_UNITS;
      if (
        chunk.length > 0 &&
        (eventDirect !== direct ||
          chunk.length >= this.options.pipelineChunkSize ||
          units + size > CHUNK_MAX_UNITS)
      ) {
        yield { direct, events: chunk };
        chunk = [];
        units = 0;
      }
      direct = eventDirect;
      chunk.push(event);
      units += size;
    }
    if (chunk.length > 0) yield { direct, events: chunk };
  }

  /** The XADD trim of the topic; only a `maxAgeMs` bound needs the server's time. */
  private async trimClause(info: TopicInfo): Promise<[string, string] | undefined> {
    const { retention } = info;
    // No TIME round trip when the clause does not depend on the time (xaddTrim ignores it).
    if (retention.safe || retention.maxLen !== undefined || retention.maxAgeMs === undefined)
      return xaddTrim(retention, 0);
    let serverNow: number;
    try {
      serverNow = await this.serverClock.now();
    } catch (error) {
      throw asPublishError(error, info.name);
    }
    return xaddTrim(retention, serverNow);
  }

  /**
   * Large events without markers: their XADDs in one MULTI/EXEC. A transaction, not a plain
   * pipeline: a command Redis refuses (OOM under maxmemory) aborts the whole batch, so no later
   * event of a key is appended without an earlier one, and a retry keeps the key's order.
   */
  private async appendDirect(
    topic: string,
    stream: string,
    chunk: PreparedEvent[],
    trim: [string, string] | undefined,
  ): Promise<AppendReply[]> {
    const transaction = this.redis.multi();
    for (const event of chunk) {
      if (trim)
        transaction.xadd(stream, trim[0] as 'MAXLEN', '~', trim[1], '*', ...event.encoded.fields);
      else transaction.xadd(stream, '*', ...event.encoded.fields);
    }
    let replies: Awaited<ReturnType<typeof transaction.exec>>;
    try {
      replies = await transaction.exec();
    } catch (error) {
      throw asPublishError(error, topic);
    }
    return chunk.map((_, i) => {
      const [error, entryId] = replies?.[i] ?? [new Error('no reply')];
      if (error) throw asPublishError(error, topic);
      return { entryId: entryId as string, duplicate: false };
    });
  }

  private async appendChunk(
    topic: string,
    stream: string,
    partition: number,
    chunk: PreparedEvent[],
    trim: [string, string] | undefined,
  ): Promise<AppendReply[]> {
    try {
      return await this.scripts.appendChunk({
        stream,
        windowMs: this.options.idempotenceWindowMs,
        trim,
        events: chunk.map((event) => ({
          fields: event.encoded.fields,
          marker: event.idempotent
            ? this.keys.publishMarker(topic, partition, event.encoded.id)
            : undefined,
        })),
      });
    } catch (error) {
      throw asPublishError(error, topic);
    }
  }

  private async schedule<P>(
    info: TopicInfo,
    event: EventInput<P>,
    options: PublishOptions,
  ): Promise<PublishResult & ScheduledPublish> {
    const encoded = this.encode(event);
    const partition = partitionFor(event.key, encoded.id, info.partitions);
    const dueAt =
      options.at !== undefined
        ? new Date(options.at).getTime()
        : Date.now() + (options.delayMs ?? 0);
    const scheduled = await this.delayed().schedule(info.name, encoded, event.key ?? null, dueAt);
    this.logger?.debug({ topic: info.name, eventId: encoded.id, dueAt }, 'event scheduled');
    return {
      eventId: encoded.id,
      entryId: '',
      partition,
      duplicate: !scheduled.scheduled,
      ...scheduled,
    };
  }
}
