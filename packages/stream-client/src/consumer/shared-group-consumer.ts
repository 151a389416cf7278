import type { Logger } from 'pino';
import { pairsToRecord } from '../admin/reply-parsing.js';
import { reconnectDelay } from '../connection/backoff.js';
import type { RedisClient } from '../connection/redis-connection.js';
import { InvalidOptionError } from '../errors.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import type { ConsumerMode } from './consumer-mode.js';
import type { ConsumerRuntime } from './consumer-runtime.js';
import { EntryProcessor } from './entry-processor.js';
import { ensureGroup, isNoGroupError, recoverVanishedGroups } from './group-recovery.js';
import { InFlightCounter } from './in-flight-counter.js';
import { type Instrumentation, readReport } from './instrumentation.js';
import { MetadataField, splitMetadata } from './metadata-fields.js';
import { PauseControl } from './pause-control.js';
import { RetryScheduler } from './retry-scheduler.js';
import { PlainSettlement } from './settlement/plain-settlement.js';
import { settlesWithin } from './settles-within.js';
import { parseReadReply, type RawReadReply, type StreamEntry } from './stream-entry.js';
import { type ResolvedSubscribeOptions, startPositionId } from './subscribe-options.js';
import { sleep, whenSettled } from './waits.js';

interface StreamRef {
  partition: number;
  fromRetry: boolean;
}

interface InFlightEntry {
  entry: StreamEntry;
  /** When its idle time in the group was last reset (read, claim or claim extension). */
  touchedAt: number;
}

/** One reader connection and the streams it reads (all of them, or one partition's on a cluster). */
interface Reader {
  client: RedisClient;
  streams: string[];
  /** Re-read this consumer's pending entries before new ones (after a lost reply). */
  pendingPassNeeded: boolean;
  /** The read in flight, if any: pause() waits for it (settles without holding its reply). */
  activeRead?: Promise<void>;
}

/** How long close() waits for each of its steps that need Redis. */
const CLOSE_STEP_TIMEOUT_MS = 1500;

/**
 * `ordering: 'none'`: every replica reads every partition stream (and the group's retry
 * streams) through the consumer group; Redis hands each entry to one replica. Handlers run
 * concurrently; recovery re-reads this consumer's pending entries at start and after errors,
 * and claims entries left idle by dead or stuck replicas.
 */
export class SharedGroupConsumer implements ConsumerMode {
  private readonly streams = new Map<string, StreamRef>();
  private readonly inFlightEntries = new Map<string, InFlightEntry>();
  private readonly inFlight = new InFlightCounter();
  private readonly pause = new PauseControl();
  /** A claim round's XAUTOCLAIM pass in flight: pause() waits for it. */
  private claiming: Promise<void> | undefined;
  private readonly gate: ConcurrencyGate;
  private readonly settlement: PlainSettlement;
  private readonly processor: EntryProcessor;
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly readers: Reader[] = [];
  private retries: RetryScheduler | undefined;
  private claimTimer: NodeJS.Timeout | undefined;
  private claimRound = 0;
  private stopping = false;
  private closing: Promise<void> | undefined;
  /** Handlers stopped making progress: read nothing and extend no claim until they do. */
  private stalled = false;
  private progressWaiters: Array<() => void> = [];
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
    this.settlement = new PlainSettlement(
      redis,
      runtime.scripts,
      runtime.keys,
      options,
      () => this.retries,
      this.log,
      () => this.needPendingPass(),
    );
    this.processor = new EntryProcessor({
      options,
      codec: runtime.codec,
      keys: runtime.keys,
      redis,
      logger: this.log,
      instrumentation,
      metrics,
      settlement: this.settlement,
      retryMode: 'schedule',
    });
  }

  get inFlightCount(): number {
    return this.inFlight.entries;
  }

  get ownedPartitions(): number[] {
    return Array.from({ length: this.partitions }, (_, partition) => partition);
  }

  get pausedPartitions(): number[] | 'all' {
    return this.pause.isPaused() ? 'all' : [];
  }

  /**
   * Stops reading: new entries, retries, this replica's pending pass and claims of other
   * replicas' entries; resolves once no read is in flight (a blocking read is interrupted).
   * Entries already read are handled and settled, and their claims kept fresh.
   */
  async pauseReading(partitions?: readonly number[]): Promise<void> {
    if (partitions !== undefined)
      throw new InvalidOptionError(
        'partitions',
        "no value with ordering 'none': every replica reads every partition; pause the whole subscription",
        partitions,
      );
    this.pause.pause();
    await Promise.all([
      ...this.readers.map(async (reader) => {
        await this.runtime.connection.interruptBlockingRead(reader.client);
        await reader.activeRead;
      }),
      this.claiming?.catch(() => {}),
    ]);
  }

  /** Every replica reads every partition: assigned as soon as it runs. */
  whenAssigned(): Promise<number[]> {
    return Promise.resolve(this.ownedPartitions);
  }

  resumeReading(partitions?: readonly number[]): void {
    if (partitions !== undefined)
      throw new InvalidOptionError(
        'partitions',
        "no value with ordering 'none': resume the whole subscription",
        partitions,
      );
    this.pause.resume();
  }

  async start(): Promise<void> {
    const { topics, keys, connection } = this.runtime;
    const { topic, group } = this.options;
    const info = await topics.requireTopic(topic, this.options.partitions);
    this.partitions = info.partitions;
    const startId = startPositionId(this.options.startFrom);
    const streamsByPartition: string[][] = [];
    for (let partition = 0; partition < info.partitions; partition++) {
      const stream = keys.partitionStream(topic, partition);
      const retry = keys.retryStream(topic, partition, group);
      this.streams.set(stream, { partition, fromRetry: false });
      this.streams.set(retry, { partition, fromRetry: true });
      streamsByPartition.push([stream, retry]);
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
    // Closed while starting: start nothing that would outlive close().
    if (this.stopping) return;

    // One XREADGROUP over all streams on a single server; on a cluster, streams of different
    // partitions live in different slots, so each partition gets its own reader.
    const readerStreams = connection.cluster ? streamsByPartition : [streamsByPartition.flat()];
    // COUNT applies per stream: a read over S streams returns up to S x COUNT entries. Each
    // reader reserves that worst case before reading, so together they stay within maxInFlight.
    const { maxInFlight } = this.options;
    for (const streams of readerStreams) {
      if (streams.length > maxInFlight)
        throw new InvalidOptionError(
          'maxInFlight',
          `at least ${streams.length} for ${info.partitions} partitions in ordering none (one read covers every partition stream and its retry stream)`,
          maxInFlight,
        );
      const client = await connection.createReader('reader');
      if (this.stopping) {
        await connection.closeReader(client);
        return;
      }
      this.readers.push({ client, streams, pendingPassNeeded: true });
    }
    for (const reader of this.readers) this.loops.push(this.readLoop(reader));
    this.claimTimer = setInterval(() => void this.claimRoundSafely(), this.options.claimIntervalMs);
    this.claimTimer.unref();
  }

  /**
   * Stops reading (reader connections are dropped: a reply lost that way leaves its entries
   * pending, for this consumer's next start or another's claim), waits for running handlers
   * up to drainTimeoutMs, then sends what is left to settle. Every step that needs Redis is
   * bounded, so this returns whether or not Redis answers.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.claimTimer);
    this.wakeReaders();
    for (const reader of this.readers) void this.runtime.connection.closeReader(reader.client);
    await settlesWithin(Promise.allSettled(this.loops), CLOSE_STEP_TIMEOUT_MS);
    const drained = await this.inFlight.empty(this.options.drainTimeoutMs);
    if (!drained) {
      this.log.warn(
        { inFlight: this.inFlight.entries },
        'drain timeout: aborting handlers; their entries stay pending for redelivery',
      );
      this.abort.abort();
    }
    await Promise.all([
      settlesWithin(this.settlement.drain(), CLOSE_STEP_TIMEOUT_MS),
      settlesWithin(this.retries?.close() ?? Promise.resolve(), CLOSE_STEP_TIMEOUT_MS),
    ]);
    this.metrics.setInFlight(0);
  }

  private needPendingPass(): void {
    for (const reader of this.readers) reader.pendingPassNeeded = true;
  }

  private async readLoop(reader: Reader): Promise<void> {
    const { blockMs, batchSize } = this.options;
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.whileStalled();
        if (this.pause.isPaused()) {
          await this.pause.waitForResume();
          continue;
        }
        if (reader.pendingPassNeeded) {
          reader.pendingPassNeeded = false;
          await this.readOwnPending(reader);
        }
        // A read that returns at once may take all the room there is; a read that blocks holds
        // its room while nothing arrives, so it only asks for one entry per stream (and the
        // claims of entries left by dead replicas keep room meanwhile).
        if ((await this.readNew(reader, batchSize, 0)) === 0 && !this.stopping)
          await this.readNew(reader, 1, blockMs);
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        failures++;
        await this.recoverFromReadError(error, reader, failures);
      }
    }
  }

  /**
   * One XREADGROUP of new entries over the reader's streams, at most `maxPerStream` from each,
   * its worst case (COUNT x streams) reserved under maxInFlight first. Returns how many came.
   */
  private async readNew(reader: Reader, maxPerStream: number, blockMs: number): Promise<number> {
    const { group, consumer, maxInFlight } = this.options;
    const streamCount = reader.streams.length;
    // Read once half a full read's room is free, not as soon as one entry per stream fits.
    const fullRead = Math.min(maxPerStream, Math.floor(maxInFlight / streamCount));
    const count = await this.inFlight.reservePerStream(
      streamCount,
      maxPerStream,
      maxInFlight,
      Math.max(1, Math.floor(fullRead / 2)),
    );
    try {
      if (this.stopping || this.pause.isPaused()) return 0;
      const generation = this.runtime.connection.generation(reader.client);
      const started = performance.now();
      const args: Array<string | number> = ['GROUP', group, consumer, 'COUNT', count];
      if (blockMs > 0) args.push('BLOCK', blockMs);
      args.push('STREAMS', ...reader.streams, ...reader.streams.map(() => '>'));
      // The typings have no overload for a BLOCK that is there or not.
      const read = reader.client.xreadgroupBuffer as (
        ...a: Array<string | number>
      ) => Promise<unknown>;
      const reading = read.apply(reader.client, args);
      reader.activeRead = whenSettled(reading);
      const reply = (await reading) as RawReadReply;
      // A read spanning a reconnect may have been run twice by ioredis; the first batch is
      // then pending here unseen: read the pending list again (order does not matter here).
      if (this.runtime.connection.generation(reader.client) !== generation)
        reader.pendingPassNeeded = true;
      const entries = parseReadReply(reply, (stream) => this.streams.get(stream)!);
      if (entries.length > 0)
        this.instrumentation.emit('consumer.read', () => readReport(entries, started));
      for (const entry of entries) this.dispatch(entry);
      return entries.length;
    } finally {
      this.inFlight.unreserve(count * streamCount);
    }
  }

  /** Never throws: the loop must outlive whatever went wrong (it retries after a backoff). */
  private async recoverFromReadError(
    error: unknown,
    reader: Reader,
    failures: number,
  ): Promise<void> {
    if (isNoGroupError(error)) {
      try {
        await this.recreateGroups(reader.streams);
        return;
      } catch (recreateError) {
        this.log.warn({ err: recreateError }, 'could not recreate the group yet; retrying');
      }
    } else {
      if (failures === 1) {
        this.instrumentation.emit('consumer.connection.error', () => ({ error: error as Error }));
        this.log.warn({ err: error }, 'read failed; retrying with backoff');
      }
      // Entries may have been delivered into a reply that was lost with the connection: they
      // are in this consumer's pending list, which the next pass re-reads.
      reader.pendingPassNeeded = true;
    }
    await sleep(reconnectDelay(failures));
  }

  /** Re-reads this consumer's own pending entries (after a crash, restart or lost reply). */
  private async readOwnPending(reader: Reader): Promise<void> {
    const { group, consumer, maxInFlight, batchSize } = this.options;
    const cursors = new Map(reader.streams.map((key) => [key, '0']));
    while (cursors.size > 0 && !this.stopping) {
      const keysNow = [...cursors.keys()];
      const count = await this.inFlight.reservePerStream(keysNow.length, batchSize, maxInFlight);
      let entries: StreamEntry[];
      try {
        if (this.pause.isPaused()) {
          // Paused midway: the pass starts over on resume.
          reader.pendingPassNeeded = true;
          return;
        }
        const reading = reader.client.xreadgroupBuffer(
          'GROUP',
          group,
          consumer,
          'COUNT',
          count,
          'STREAMS',
          ...keysNow,
          ...cursors.values(),
        );
        reader.activeRead = whenSettled(reading);
        const reply = (await reading) as RawReadReply;
        entries = parseReadReply(reply, (stream) => this.streams.get(stream)!);
        const seen = new Set<string>();
        for (const entry of entries) {
          cursors.set(entry.stream, entry.id);
          seen.add(entry.stream);
        }
        for (const key of keysNow) if (!seen.has(key)) cursors.delete(key);
        if (entries.length > 0) await this.attachDeliveryCounts(entries);
        for (const entry of entries) this.dispatch(entry);
      } finally {
        this.inFlight.unreserve(count * keysNow.length);
      }
      if (entries.length === 0) break;
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
    this.metrics.setInFlight(this.inFlight.entries);
    this.gate.whenFree(() => void this.run(id, entry));
  }

  /** Runs holding a gate slot, which it releases when done. */
  private async run(id: string, entry: StreamEntry): Promise<void> {
    try {
      await this.processor.process(entry, this.abort.signal, attemptOf(entry));
    } catch (error) {
      // Settling failed (Redis unreachable, say): the entry stays pending and comes back
      // through the pending pass or a claim. At-least-once, never lost.
      this.needPendingPass();
      this.log.warn(
        { err: error, entryId: entry.id, partition: entry.partition },
        'could not settle entry; it stays pending and is read again',
      );
    } finally {
      this.gate.release();
      this.inFlightEntries.delete(id);
      this.inFlight.decrement();
      this.metrics.setInFlight(this.inFlight.entries);
    }
  }

  private async claimRoundSafely(): Promise<void> {
    if (this.stopping) return;
    this.metrics.setInFlight(this.inFlight.entries);
    if (this.checkProgress()) return;
    try {
      await this.extendRunningClaims();
      // Claiming reads entries too: not while paused (pause() waits for a round under way).
      if (!this.pause.isPaused()) {
        this.claiming = this.claimIdleEntries();
        await this.claiming;
      }
      await this.retries?.startIfWorkWaits();
      // Cheap but not free (XINFO per stream): every few claim rounds is often enough.
      if (++this.claimRound % 5 === 0) await this.forgetDepartedConsumers();
    } catch (error) {
      if (isNoGroupError(error))
        await this.recreateGroups([...this.streams.keys()]).catch(() => {});
      else this.log.debug({ err: error }, 'claim round failed');
    }
  }

  /**
   * True while handlers are stuck (progressTimeoutMs without a completion): this replica then
   * reads nothing and stops extending its claims, so other replicas claim its entries after
   * claimIdleMs. Reading resumes when a handler completes.
   */
  private checkProgress(): boolean {
    if (!this.stalled) {
      this.stalled = this.processor.stallFound("letting other replicas claim this one's entries");
    } else if (this.processor.stuckForMs() === 0) {
      this.stalled = false;
      this.log.info('handlers are completing again; reading resumes');
      this.wakeReaders();
    }
    return this.stalled;
  }

  private async whileStalled(): Promise<void> {
    while (this.stalled && !this.stopping)
      await new Promise<void>((resolve) => this.progressWaiters.push(resolve));
  }

  private wakeReaders(): void {
    const waiters = this.progressWaiters;
    this.progressWaiters = [];
    for (const waiter of waiters) waiter();
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
    const { group, consumer, claimIdleMs, batchSize, maxInFlight } = this.options;
    for (const [stream, ref] of this.streams) {
      let cursor = '0-0';
      do {
        const count = Math.min(batchSize, maxInFlight - this.inFlight.size);
        if (this.stopping || this.pause.isPaused()) return;
        if (count < 1 || !this.inFlight.tryReserve(count, maxInFlight)) return;
        try {
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
            count,
          )) as unknown as [Buffer, Array<[Buffer, Buffer[] | null]>, Buffer[]?];
          cursor = reply[0].toString();
          // Redis 7 drops deleted entries from the pending list and lists them in reply[2];
          // older replies carry them as entries without fields, which process() acks away.
          for (const deleted of reply[2] ?? [])
            this.processor.reportSkipped(
              { id: deleted.toString(), partition: ref.partition },
              'deleted',
            );
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
        } finally {
          this.inFlight.unreserve(count);
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
        const info = pairsToRecord(row);
        if (info.name === this.options.consumer) continue;
        if (Number(info.pending) === 0 && Number(info.idle) > idleLimit) {
          await redis.xgroup('DELCONSUMER', stream, this.options.group, String(info.name));
        }
      }
    }
  }

  private recreateGroups(streamKeys: string[]): Promise<void> {
    const from = this.options.recreateGroupFrom === 'end' ? '$' : '0';
    return recoverVanishedGroups({
      runtime: this.runtime,
      options: this.options,
      // Retry streams always restart at 0: every retry appended after recreation must be seen.
      streams: streamKeys.map((stream) => ({
        stream,
        from: this.streams.get(stream)?.fromRetry ? '0' : from,
      })),
      instrumentation: this.instrumentation,
      logger: this.log,
    });
  }
}

/** Ordering none counts attempts by Redis deliveries, plus the attempt a retry entry carries. */
function attemptOf(entry: StreamEntry): number {
  const firstAttempt =
    entry.fromRetry && entry.fields
      ? Number(splitMetadata(entry.fields).metadata.get(MetadataField.retryAttempt) ?? 1) || 1
      : 1;
  return firstAttempt + Math.max(0, entry.deliveryCount - 1);
}
