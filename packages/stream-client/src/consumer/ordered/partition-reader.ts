import type { Logger } from 'pino';
import { reconnectDelay } from '../../connection/backoff.js';
import type { RedisClient } from '../../connection/redis-connection.js';
import type { ConsumerRuntime } from '../consumer-runtime.js';
import { isNoGroupError, recoverVanishedGroups } from '../group-recovery.js';
import type { InFlightCounter } from '../in-flight-counter.js';
import { type Instrumentation, readReport } from '../instrumentation.js';
import { settlesWithin } from '../settles-within.js';
import type { StreamEntry } from '../stream-entry.js';
import type { ResolvedSubscribeOptions } from '../subscribe-options.js';
import { sleep, whenSettled } from '../waits.js';
import type { KeyRunner } from './key-runner.js';
import type { PartitionLease } from './partition-lease.js';
import { type WorkItem, workItemOf } from './work-item.js';

/** How long a stopped read loop may take to notice (its connection is dropped at once). */
const STOP_GRACE_MS = 1000;

export interface PartitionReaderDeps {
  runtime: ConsumerRuntime;
  options: ResolvedSubscribeOptions<unknown>;
  lease: PartitionLease;
  runner: KeyRunner;
  inFlight: InFlightCounter;
  instrumentation: Instrumentation;
  logger: Logger;
  /** True while the worker runs (not revoking, lost or stopped). */
  isRunning: () => boolean;
  /** `subscription.pause()` covers this partition: read nothing (leases and handlers go on). */
  isPaused: () => boolean;
  /** Resolves when reading may resume, or after a short poll (to look at isRunning again). */
  waitForResume: () => Promise<void>;
  /** A fenced read: the lease is gone. */
  onFenced: (reason: string) => void;
  /** A pending entry found deleted or trimmed (it was never handled). */
  onDeletedWhilePending: (entryId: string) => void;
}

/**
 * Reads one owned partition, in this order: take over every entry pending in the group (left
 * by earlier owners), queue this consumer's pending entries in stream order, then new entries;
 * between reads, catch parked keys up from the pending list. One sequential loop on one
 * connection, so a catch-up and a new read can never race each other out of order. Reads are
 * fenced by the lease; nothing here counts as a delivery (only handler runs do).
 */
export class PartitionReader {
  private reader: RedisClient | undefined;
  private loop: Promise<void> = Promise.resolve();
  private pendingPassNeeded = true;
  private readonly stream: string;
  /** Keys waiting for a catch-up read, in request order. */
  private readonly catchUps = new Set<string>();
  private waiting = false;
  private stopped = false;
  /** Settles with the read in flight, without holding on to what it read. */
  private activeRead: Promise<void> | undefined;

  constructor(private readonly deps: PartitionReaderDeps) {
    this.stream = deps.runtime.keys.partitionStream(deps.options.topic, deps.lease.partition);
  }

  start(): void {
    this.loop = this.run();
  }

  /** A parked key's queue ran dry: read its pending entries back before new ones. */
  requestCatchUp(key: string): void {
    this.catchUps.add(key);
    if (this.waiting) void this.interruptWait();
  }

  /**
   * Ends the loop: its connection is dropped at once (a read in flight is lost, its entries
   * stay pending for the next owner), so this is bounded whether or not Redis answers.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.closeReader();
    await settlesWithin(this.loop, STOP_GRACE_MS);
  }

  private async run(): Promise<void> {
    let failures = 0;
    let waitFrom: string | undefined;
    let takenOver = false;
    while (this.deps.isRunning()) {
      try {
        if (!takenOver) {
          const claimed = await this.deps.lease.claimPending(
            1000,
            this.deps.isRunning,
            this.deps.onDeletedWhilePending,
          );
          if (claimed === 'fenced') return this.deps.onFenced('read fenced');
          await this.deps.lease.forgetDepartedConsumers();
          takenOver = true;
        }
        if (this.deps.isPaused()) {
          await this.deps.waitForResume();
          continue;
        }
        if (this.pendingPassNeeded) {
          this.pendingPassNeeded = false;
          if (!(await this.queueOwnPending())) return;
        }
        if (this.catchUps.size > 0) {
          if (!(await this.catchUp())) return;
          continue;
        }
        if (waitFrom !== undefined) {
          await this.waitForEntries(waitFrom);
          waitFrom = undefined;
          continue;
        }
        const read = await this.readNew();
        if (read === 'fenced') return;
        failures = 0;
        if (read === 'again') continue;
        if (read.kind === 'idle') waitFrom = read.lastDeliveredId || '$';
      } catch (error) {
        if (!this.deps.isRunning()) return;
        failures++;
        if (isNoGroupError(error)) {
          await this.recoverGroup();
        } else {
          if (failures === 1) {
            this.deps.logger.warn(
              { err: error, partition: this.deps.lease.partition },
              'partition read failed; retrying',
            );
            this.deps.instrumentation.emit('consumer.connection.error', () => ({
              error: error as Error,
            }));
          }
          // Entries may have been delivered into a reply lost with the connection: they are
          // in this consumer's pending list, which the next pass re-reads, in order.
          this.pendingPassNeeded = true;
          await sleep(reconnectDelay(failures));
        }
      }
    }
  }

  /** Queues this consumer's pending entries, in stream order. False when fenced or stopped. */
  private async queueOwnPending(): Promise<boolean> {
    const { batchSize } = this.deps.options;
    let after = '';
    while (this.deps.isRunning()) {
      if (this.deps.isPaused()) {
        // Paused midway: the pass starts over on resume (entries in memory are not taken twice).
        this.pendingPassNeeded = true;
        return true;
      }
      const page = await this.pendingPage(after, batchSize, (item) =>
        this.deps.runner.enqueue(item),
      );
      if (page === 'fenced') return false;
      if (page === 'paused') {
        this.pendingPassNeeded = true;
        return true;
      }
      if (page.length < batchSize) return true;
      after = page[page.length - 1]!.id;
    }
    return false;
  }

  /** Serves the catch-up reads asked for, one key at a time. False when fenced. */
  private async catchUp(): Promise<boolean> {
    const { runner, options } = this.deps;
    for (const key of [...this.catchUps]) {
      this.catchUps.delete(key);
      for (;;) {
        if (!this.deps.isRunning()) return true;
        if (this.deps.isPaused()) {
          // Served on resume.
          this.catchUps.add(key);
          return true;
        }
        const after = runner.catchUpCursor(key);
        if (after === undefined) break;
        const found: WorkItem[] = [];
        const page = await this.pendingPage(after, options.batchSize, (item) => {
          if (item.key === key) found.push(item);
        });
        if (page === 'fenced') return false;
        if (page === 'paused') {
          this.catchUps.add(key);
          return true;
        }
        const scannedTo = page.length > 0 ? page[page.length - 1]!.id : after;
        if (
          !runner.acceptCatchUpPage(key, after, found, scannedTo, page.length < options.batchSize)
        )
          break;
      }
    }
    return true;
  }

  /**
   * One page of this consumer's pending entries after `after`, each handed to `take` with its
   * key. The page's room is reserved first, so reading never overshoots maxInFlight.
   */
  private async pendingPage(
    after: string,
    count: number,
    take: (item: WorkItem) => void,
  ): Promise<StreamEntry[] | 'fenced' | 'paused'> {
    const { inFlight, options, runtime, lease } = this.deps;
    await inFlight.reserve(count, options.maxInFlight);
    try {
      if (!this.deps.isRunning()) return [];
      // Paused while waiting for room: the caller starts its pass or catch-up over on resume.
      if (this.deps.isPaused()) return 'paused';
      const page = await this.tracked(lease.readPending(after, count));
      if (page === 'fenced') {
        this.deps.onFenced('read fenced');
        return 'fenced';
      }
      for (const entry of page) take(workItemOf(entry, runtime.codec));
      return page;
    } finally {
      inFlight.unreserve(count);
    }
  }

  /** One fenced read of new entries. */
  private async readNew(): Promise<
    'fenced' | 'again' | { kind: 'read' } | { kind: 'idle'; lastDeliveredId: string }
  > {
    const { inFlight, options, runtime, lease, runner } = this.deps;
    // Partitions read at the same time: reserving keeps their sum under maxInFlight.
    await inFlight.reserve(options.batchSize, options.maxInFlight);
    try {
      if (!this.deps.isRunning() || this.deps.isPaused()) return 'again';
      const reader = await this.ensureReader();
      // Paused while the connection was being made: pause() saw no read in flight.
      if (this.deps.isPaused()) return 'again';
      const generation = runtime.connection.generation(reader);
      const started = performance.now();
      const read = await this.tracked(lease.readNew(reader, options.batchSize));
      if (read.kind === 'fenced') {
        this.deps.onFenced('read fenced');
        return 'fenced';
      }
      // Aborted: the lease key changed between WATCH and EXEC (our own renewal touches it
      // too). Read again at once: the next check finds out whether it is still ours.
      if (read.kind === 'aborted') return 'again';
      if (runtime.connection.generation(reader) !== generation) {
        // The connection dropped during the read: a batch may sit unseen in the pending
        // list, older than this one. Keep order: drop this batch and re-read everything
        // pending, in stream order, before new entries.
        this.pendingPassNeeded = true;
        return 'again';
      }
      if (read.entries.length > 0)
        this.deps.instrumentation.emit('consumer.read', () => readReport(read.entries, started));
      for (const entry of read.entries) runner.enqueue(workItemOf(entry, runtime.codec));
      if (read.entries.length === 0 && !this.pendingPassNeeded)
        return { kind: 'idle', lastDeliveredId: read.lastDeliveredId };
      return { kind: 'read' };
    } finally {
      inFlight.unreserve(options.batchSize);
    }
  }

  /** Blocks on XREAD (no group: reading delivers nothing) until the stream moves past `afterId`. */
  private async waitForEntries(afterId: string): Promise<void> {
    const reader = await this.ensureReader();
    if (!this.deps.isRunning() || this.catchUps.size > 0 || this.deps.isPaused()) return;
    this.waiting = true;
    try {
      // COUNT 1: this read only wakes the loop up; the fenced read takes the entries.
      await reader.xread(
        'COUNT',
        1,
        'BLOCK',
        this.deps.options.blockMs,
        'STREAMS',
        this.stream,
        afterId,
      );
    } finally {
      this.waiting = false;
    }
  }

  private async ensureReader(): Promise<RedisClient> {
    if (!this.reader) {
      const { connection } = this.deps.runtime;
      const reader = await connection.createReader(`partition-${this.deps.lease.partition}`);
      // Stopped while connecting: nobody would close it.
      if (this.stopped) {
        void connection.closeReader(reader);
        throw new Error('partition reader stopped');
      }
      this.reader = reader;
    }
    return this.reader;
  }

  /** Ends a blocking wait early (a catch-up is asked for, or reading resumes). */
  private async interruptWait(): Promise<void> {
    if (this.reader) await this.deps.runtime.connection.interruptBlockingRead(this.reader);
  }

  /** Resolves once no read of this partition is in flight (`pause()` waits for it). */
  async readsSettled(): Promise<void> {
    await this.activeRead;
  }

  /** Reading resumed: end the wait for new entries now rather than after blockMs. */
  resumed(): void {
    if (this.waiting) void this.interruptWait();
  }

  /** A read of this partition, tracked so that pause() can wait until none is in flight. */
  private tracked<T>(read: Promise<T>): Promise<T> {
    this.activeRead = whenSettled(read);
    return read;
  }

  private closeReader(): void {
    const reader = this.reader;
    this.reader = undefined;
    if (reader) void this.deps.runtime.connection.closeReader(reader);
  }

  private async recoverGroup(): Promise<void> {
    const { runtime, options, instrumentation, logger } = this.deps;
    try {
      await recoverVanishedGroups({
        runtime,
        options,
        streams: [{ stream: this.stream, from: options.recreateGroupFrom === 'end' ? '$' : '0' }],
        instrumentation,
        logger,
      });
    } catch (error) {
      // Recreating failed too (the connection dropped after FLUSHALL, a failover): the loop
      // goes on and tries again; it must never die with the lease still renewed.
      logger.warn(
        { err: error, stream: this.stream },
        'could not recreate the group yet; retrying',
      );
      await sleep(reconnectDelay(2));
    }
  }
}
