import type { Logger } from 'pino';
import { reconnectDelay } from '../connection/backoff.js';
import type { RedisClient } from '../connection/redis-connection.js';
import { AckBatcher } from './ack-batcher.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import type { ConsumerRuntime } from './consumer-runtime.js';
import { deadLetterFields } from './dead-letter-fields.js';
import { EntryProcessor, type Settlement } from './entry-processor.js';
import { ensureGroup, isNoGroupError } from './group-setup.js';
import { InFlightCounter } from './in-flight-counter.js';
import type { Instrumentation } from './instrumentation.js';
import { RetryScheduler } from './retry-scheduler.js';
import { parseReadReply, type RawReadReply, type StreamEntry } from './stream-entry.js';
import { type ResolvedSubscribeOptions, startPositionId } from './subscribe-options.js';

interface StreamRef {
  partition: number;
  fromRetry: boolean;
}

interface InFlightEntry {
  entry: StreamEntry;
  /** When its idle time in the group was last reset (read, claim or claim extension). */
  touchedAt: number;
}

/**
 * `ordering: 'none'`: every replica reads every partition stream (and the group's retry
 * streams) through the consumer group; Redis hands each entry to one replica. Handles run
 * concurrently; recovery re-reads this consumer's pending entries at start and after errors,
 * and claims entries left idle by dead or stuck replicas.
 */
export class SharedGroupConsumer {
  private readonly streams = new Map<string, StreamRef>();
  private readonly inFlightEntries = new Map<string, InFlightEntry>();
  private readonly inFlight = new InFlightCounter();
  private readonly gate: ConcurrencyGate;
  private readonly acks: AckBatcher;
  private readonly processor: EntryProcessor;
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly readers: Array<{ client: RedisClient; id?: number }> = [];
  private retries: RetryScheduler | undefined;
  private claimTimer: NodeJS.Timeout | undefined;
  private claimRound = 0;
  private stopping = false;
  private pendingPassNeeded = true;
  private partitions = 0;
  private readonly log: Logger;

  constructor(
    private readonly runtime: ConsumerRuntime,
    private readonly options: ResolvedSubscribeOptions<unknown>,
    private readonly instrumentation: Instrumentation,
    private readonly metrics: ConsumerMetrics,
  ) {
    this.log = runtime.logger;
    this.gate = new ConcurrencyGate(options.concurrency);
    const redis = runtime.connection.commands;
    this.acks = new AckBatcher(
      async (stream, ids) => {
        await redis.xack(stream, options.group, ...ids);
      },
      (error) => this.ackFailed(error),
    );
    this.processor = new EntryProcessor({
      options,
      codec: runtime.codec,
      keys: runtime.keys,
      redis,
      logger: this.log,
      instrumentation,
      metrics,
      settlement: this.settlement(),
      retryMode: 'schedule',
    });
  }

  async start(): Promise<void> {
    const { topics, keys, connection } = this.runtime;
    const { topic, group } = this.options;
    const info = await topics.requireTopic(topic, this.options.partitions);
    this.partitions = info.partitions;
    const startId = startPositionId(this.options.startFrom);
    const groupsByPartition: string[][] = [];
    for (let partition = 0; partition < info.partitions; partition++) {
      const stream = keys.partitionStream(topic, partition);
      const retry = keys.retryStream(topic, partition, group);
      this.streams.set(stream, { partition, fromRetry: false });
      this.streams.set(retry, { partition, fromRetry: true });
      groupsByPartition.push([stream, retry]);
      await ensureGroup(connection.commands, stream, group, startId);
      // Retries appended after the group exists must all be seen: the retry stream starts at 0.
      await ensureGroup(connection.commands, retry, group, '0');
    }
    await connection.commands.sadd(keys.groups(topic), group);
    this.retries = new RetryScheduler(
      await this.runtime.bullConnection(),
      keys,
      topic,
      group,
      this.log,
    );
    await this.retries.start();

    // One XREADGROUP over all streams on a single server; on a cluster, streams of different
    // partitions live in different slots, so each partition gets its own reader.
    const readerGroups = connection.cluster ? groupsByPartition : [groupsByPartition.flat()];
    for (const streamKeys of readerGroups) {
      const client = await connection.createReader('reader');
      const reader: { client: RedisClient; id?: number } = { client };
      if (!connection.cluster)
        reader.id = Number(await (client as { client(sub: 'ID'): Promise<number> }).client('ID'));
      this.readers.push(reader);
      this.loops.push(this.readLoop(client, streamKeys));
    }
    this.claimTimer = setInterval(() => void this.claimRoundSafely(), this.options.claimIntervalMs);
    this.claimTimer.unref();
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.claimTimer);
    const commands = this.runtime.connection.commands;
    for (const reader of this.readers) {
      // CLIENT UNBLOCK ends a blocked read as if it timed out, so no entry is delivered into
      // a reply nobody reads. Readers of a cluster have no single id: their read just ends.
      if (reader.id !== undefined) await commands.client('UNBLOCK', reader.id).catch(() => {});
    }
    await Promise.race([Promise.allSettled(this.loops), sleep(this.options.blockMs + 500)]);
    const drained = await this.inFlight.empty(this.options.drainTimeoutMs);
    if (!drained) {
      this.log.warn(
        { inFlight: this.inFlight.size },
        'drain timeout: aborting handlers; their entries stay pending for redelivery',
      );
      this.abort.abort();
    }
    await this.acks.drain();
    await this.retries?.close();
    for (const reader of this.readers) await this.runtime.connection.closeReader(reader.client);
  }

  private settlement(): Settlement {
    const { scripts, keys } = this.runtime;
    const { topic, group, consumer, deadLetterMaxLen } = this.options;
    return {
      ack: (entry) => {
        // Not awaited: a failed batch leaves its entries pending; the next pending pass reads them again.
        this.acks.push(entry.stream, entry.id);
        return undefined;
      },
      ackAndMark: (entry, eventId, effects) =>
        scripts.ackAndMark({
          stream: entry.stream,
          doneMarkers: keys.doneMarkers(topic, entry.partition, group),
          lease: keys.lease(topic, entry.partition, group),
          effectKeys: effects.keys,
          group,
          entryId: entry.id,
          eventId,
          windowMs: this.options.dedupeWindowMs,
          expectedLease: '',
          effects: effects.commands,
        }),
      deadLetter: async (entry, reason, error, attempts) => {
        await scripts.deadLetter({
          stream: entry.stream,
          deadLetters: keys.deadLetters(topic, entry.partition),
          lease: keys.lease(topic, entry.partition, group),
          group,
          entryId: entry.id,
          expectedLease: '',
          maxLength: deadLetterMaxLen,
          fields: deadLetterFields(entry, { reason, error, attempts, group, consumer }),
        });
      },
      scheduleRetry: async (entry, nextAttempt, delayMs) => {
        await this.retries!.schedule(entry, nextAttempt, delayMs);
        await this.acks.add(entry.stream, entry.id);
      },
    };
  }

  private async readLoop(reader: RedisClient, streamKeys: string[]): Promise<void> {
    const { group, consumer, batchSize, blockMs, maxInFlight } = this.options;
    let failures = 0;
    while (!this.stopping) {
      try {
        if (this.pendingPassNeeded) {
          this.pendingPassNeeded = false;
          await this.readOwnPending(reader, streamKeys);
        }
        await this.inFlight.below(maxInFlight - batchSize + 1);
        if (this.stopping) break;
        const generation = this.runtime.connection.generation(reader);
        const reply = (await reader.xreadgroupBuffer(
          'GROUP',
          group,
          consumer,
          'COUNT',
          batchSize,
          'BLOCK',
          blockMs,
          'STREAMS',
          ...streamKeys,
          ...streamKeys.map(() => '>'),
        )) as RawReadReply;
        failures = 0;
        // A read spanning a reconnect may have been run twice by ioredis; the first batch is
        // then pending here unseen: read the pending list again (order does not matter here).
        if (this.runtime.connection.generation(reader) !== generation)
          this.pendingPassNeeded = true;
        for (const entry of parseReadReply(reply, (stream) => this.streams.get(stream)!))
          this.dispatch(entry);
      } catch (error) {
        if (this.stopping) break;
        failures++;
        await this.recoverFromReadError(error, streamKeys, failures);
      }
    }
  }

  private async recoverFromReadError(
    error: unknown,
    streamKeys: string[],
    failures: number,
  ): Promise<void> {
    if (isNoGroupError(error)) {
      await this.recreateGroups(streamKeys);
      return;
    }
    this.instrumentation.emit('consumer.connection.error', () => ({ error: error as Error }));
    if (failures === 1) this.log.warn({ err: error }, 'read failed; retrying with backoff');
    // Entries may have been delivered into a reply that was lost with the connection: they
    // are in this consumer's pending list, which the next pass re-reads.
    this.pendingPassNeeded = true;
    await sleep(reconnectDelay(failures));
  }

  /** Re-reads this consumer's own pending entries (after a crash, restart or lost reply). */
  private async readOwnPending(reader: RedisClient, streamKeys: string[]): Promise<void> {
    const { group, consumer, batchSize } = this.options;
    const cursors = new Map(streamKeys.map((key) => [key, '0']));
    while (cursors.size > 0 && !this.stopping) {
      const keysNow = [...cursors.keys()];
      const reply = (await reader.xreadgroupBuffer(
        'GROUP',
        group,
        consumer,
        'COUNT',
        batchSize,
        'STREAMS',
        ...keysNow,
        ...cursors.values(),
      )) as RawReadReply;
      const entries = parseReadReply(reply, (stream) => this.streams.get(stream)!);
      const seen = new Set<string>();
      for (const entry of entries) {
        cursors.set(entry.stream, entry.id);
        seen.add(entry.stream);
      }
      for (const key of keysNow) if (!seen.has(key)) cursors.delete(key);
      if (entries.length === 0) break;
      await this.attachDeliveryCounts(entries);
      for (const entry of entries) this.dispatch(entry);
      await this.inFlight.below(this.options.maxInFlight - batchSize + 1);
    }
  }

  /** Redis counts deliveries; recovered entries carry their count so maxDeliveries holds across crashes. */
  private async attachDeliveryCounts(entries: StreamEntry[]): Promise<void> {
    const byStream = new Map<string, StreamEntry[]>();
    for (const entry of entries) {
      const list = byStream.get(entry.stream) ?? [];
      list.push(entry);
      byStream.set(entry.stream, list);
    }
    const redis = this.runtime.connection.commands;
    await Promise.all(
      [...byStream].map(async ([stream, list]) => {
        const rows = (await redis.xpending(
          stream,
          this.options.group,
          list[0]!.id,
          list[list.length - 1]!.id,
          list.length,
          this.options.consumer,
        )) as Array<[string, string, number, number]>;
        const counts = new Map(rows.map((row) => [row[0], Number(row[3])]));
        for (const entry of list) entry.deliveryCount = counts.get(entry.id) ?? entry.deliveryCount;
      }),
    );
  }

  private dispatch(entry: StreamEntry): void {
    const id = `${entry.stream}@${entry.id}`;
    if (this.inFlightEntries.has(id)) return;
    this.inFlightEntries.set(id, { entry, touchedAt: Date.now() });
    this.inFlight.increment();
    this.metrics.setInFlight(this.inFlight.size);
    this.gate.whenFree(() => void this.run(id, entry));
  }

  private ackFailed(error: unknown): void {
    this.pendingPassNeeded = true;
    this.log.warn({ err: error }, 'ack batch failed; its entries stay pending and are read again');
  }

  /** Runs holding a gate slot, which it releases when done. */
  private async run(id: string, entry: StreamEntry): Promise<void> {
    try {
      await this.processor.process(entry, this.abort.signal);
    } catch (error) {
      // Settling failed (Redis unreachable, say): the entry stays pending and comes back
      // through the pending pass or a claim. At-least-once, never lost.
      this.pendingPassNeeded = true;
      this.log.warn(
        { err: error, entryId: entry.id, partition: entry.partition },
        'could not settle entry; it stays pending',
      );
    } finally {
      this.gate.release();
      this.inFlightEntries.delete(id);
      this.inFlight.decrement();
      this.metrics.setInFlight(this.inFlight.size);
    }
  }

  private async claimRoundSafely(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.extendRunningClaims();
      await this.claimIdleEntries();
      await this.retries?.startIfWorkWaits();
      // Cheap but not free (XINFO per stream): every few claim rounds is often enough.
      if (++this.claimRound % 5 === 0) await this.forgetDepartedConsumers();
    } catch (error) {
      if (isNoGroupError(error))
        await this.recreateGroups([...this.streams.keys()]).catch(() => {});
      else this.log.debug({ err: error }, 'claim round failed');
    }
  }

  /** A slow but live handler resets its entry's idle time so other replicas do not steal it. */
  private async extendRunningClaims(): Promise<void> {
    const threshold = Date.now() - this.options.claimIdleMs / 2;
    const byStream = new Map<string, InFlightEntry[]>();
    for (const running of this.inFlightEntries.values()) {
      if (running.touchedAt > threshold) continue;
      const list = byStream.get(running.entry.stream) ?? [];
      list.push(running);
      byStream.set(running.entry.stream, list);
    }
    const redis = this.runtime.connection.commands;
    for (const [stream, list] of byStream) {
      // `call` is mangled by ioredis auto-pipelining, and the typings lack this XCLAIM form.
      await (redis.xclaim as (...args: unknown[]) => Promise<unknown>).apply(redis, [
        stream,
        this.options.group,
        this.options.consumer,
        0,
        ...list.map((running) => running.entry.id),
        'JUSTID',
      ]);
      const now = Date.now();
      for (const running of list) running.touchedAt = now;
    }
  }

  /** Takes over entries idle longer than claimIdleMs in other (dead or stuck) replicas. */
  private async claimIdleEntries(): Promise<void> {
    const redis = this.runtime.connection.commands;
    const { group, consumer, claimIdleMs, batchSize } = this.options;
    for (const [stream, ref] of this.streams) {
      let cursor = '0-0';
      do {
        if (this.stopping || this.inFlight.size >= this.options.maxInFlight) return;
        // xautoclaimBuffer exists at runtime but not in the typings.
        const reply = (await (
          redis as unknown as { xautoclaimBuffer(...args: unknown[]): Promise<unknown> }
        ).xautoclaimBuffer(
          stream,
          group,
          consumer,
          claimIdleMs,
          cursor,
          'COUNT',
          batchSize,
        )) as unknown as [Buffer, Array<[Buffer, Buffer[] | null]>, Buffer[]?];
        cursor = reply[0].toString();
        // Redis 7 drops deleted entries from the pending list and lists them in reply[2];
        // older replies carry them as entries without fields, which process() acks away.
        const entries = parseReadReply([[Buffer.from(stream), reply[1]]], () => ref).filter(
          (entry) => !this.inFlightEntries.has(`${entry.stream}@${entry.id}`),
        );
        if (entries.length > 0) {
          await this.attachDeliveryCounts(entries.filter((entry) => entry.fields !== null));
          this.instrumentation.emit('consumer.claimed', () => ({
            partition: ref.partition,
            count: entries.length,
          }));
          this.log.info(
            { partition: ref.partition, count: entries.length, stream },
            'claimed idle entries from other replicas',
          );
          for (const entry of entries) this.dispatch(entry);
        }
      } while (cursor !== '0-0');
    }
  }

  /** Removes consumer names of departed replicas, but only once their pending list is empty. */
  private async forgetDepartedConsumers(): Promise<void> {
    const redis = this.runtime.connection.commands;
    const idleLimit = this.options.forgetConsumersAfterMs;
    for (const [stream] of this.streams) {
      const rows = (await redis.xinfo('CONSUMERS', stream, this.options.group)) as unknown[][];
      for (const row of rows) {
        const info = pairsToObject(row);
        if (info.name === this.options.consumer) continue;
        if (Number(info.pending) === 0 && Number(info.idle) > idleLimit) {
          await redis.xgroup('DELCONSUMER', stream, this.options.group, String(info.name));
        }
      }
    }
  }

  private async recreateGroups(streamKeys: string[]): Promise<void> {
    const { topics, connection } = this.runtime;
    const from = this.options.recreateGroupFrom === 'end' ? '$' : '0';
    // After FLUSHALL the topic metadata is gone too: put it back so producers keep working.
    await topics.ensureTopic(this.options.topic, { partitions: this.partitions }).catch(() => {});
    for (const stream of streamKeys) {
      const ref = this.streams.get(stream);
      const created = await ensureGroup(
        connection.commands,
        stream,
        this.options.group,
        ref?.fromRetry ? '0' : from,
      );
      if (created) {
        this.log.error(
          { stream, group: this.options.group, from, policy: this.options.recreateGroupFrom },
          'consumer group vanished (stream deleted, FLUSHALL or restart without persistence); recreated it',
        );
        this.instrumentation.emit('consumer.group.recreated', () => ({ stream, from }));
      }
    }
  }
}

function pairsToObject(row: unknown[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (let i = 0; i < row.length; i += 2) result[String(row[i])] = row[i + 1];
  return result;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
