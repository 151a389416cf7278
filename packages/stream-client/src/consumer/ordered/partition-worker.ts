import { type DecodedEvent, peekEntryKey } from '@redstream/codec';
import type { Logger } from 'pino';
import { pairsToRecord } from '../../admin/reply-parsing.js';
import { reconnectDelay } from '../../connection/backoff.js';
import type { RedisClient } from '../../connection/redis-connection.js';
import type { ConcurrencyGate } from '../concurrency-gate.js';
import type { ConsumerRuntime } from '../consumer-runtime.js';
import type { EntryProcessor } from '../entry-processor.js';
import { ensureGroup, isNoGroupError } from '../group-setup.js';
import type { InFlightCounter } from '../in-flight-counter.js';
import type { Instrumentation } from '../instrumentation.js';
import { splitMetadata } from '../metadata-fields.js';
import { settlesWithin } from '../settles-within.js';
import type { StreamEntry } from '../stream-entry.js';
import { type ResolvedSubscribeOptions, startPositionId } from '../subscribe-options.js';
import { KeyScheduler } from './key-scheduler.js';
import type { HeldLease } from './partition-lease.js';

/** How long past its block time a read may take to end when the partition is given up. */
const LOOP_STOP_GRACE_MS = 2000;

interface WorkItem {
  entry: StreamEntry;
  decoded?: DecodedEvent;
}

type WorkerState = 'running' | 'revoking' | 'stopped' | 'lost';

export interface PartitionWorkerDeps {
  runtime: ConsumerRuntime;
  options: ResolvedSubscribeOptions<unknown>;
  processor: EntryProcessor;
  gate: ConcurrencyGate;
  inFlight: InFlightCounter;
  instrumentation: Instrumentation;
  logger: Logger;
  /** The topic's partition count, to restore its metadata after FLUSHALL. */
  partitions: number;
  onBlockedKeysChanged: (delta: number) => void;
}

/**
 * Processes one owned partition: first every entry still pending in the group (left by
 * earlier owners) in stream order, then new entries. Reads and acks are fenced by the lease
 * epoch; one key never runs concurrently; retries happen in place while other keys go on.
 */
export class PartitionWorker {
  private state: WorkerState = 'running';
  /** Aborted when the lease is lost or handlers outlive the drain: tells handlers to stop. */
  private readonly abort = new AbortController();
  /** Aborted on revoke or loss: ends retry waits, whose entries stay pending for the next owner. */
  private readonly retryAbort = new AbortController();
  private readonly scheduler: KeyScheduler<WorkItem>;
  private readonly stream: string;
  private reader: RedisClient | undefined;
  private readerId: number | undefined;
  private loop: Promise<void> = Promise.resolve();
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  private pendingPassNeeded = true;
  /** Ids queued or running here: a pending pass must not queue an entry a second time. */
  private readonly known = new Set<string>();

  constructor(
    readonly lease: HeldLease,
    private readonly deps: PartitionWorkerDeps,
  ) {
    this.stream = deps.runtime.keys.partitionStream(deps.options.topic, lease.partition);
    this.scheduler = new KeyScheduler((item) => this.startItem(item));
  }

  get partition(): number {
    return this.lease.partition;
  }

  get active(): boolean {
    return this.state === 'running' || this.state === 'revoking';
  }

  get revoking(): boolean {
    return this.state === 'revoking';
  }

  start(): void {
    this.loop = this.readLoop();
  }

  /**
   * Gives the partition up: stop reading, let running handlers finish (entries queued behind
   * them stay pending for the next owner), then release the lease. If handlers do not finish
   * within the drain timeout the lease is left to expire instead, so the next owner cannot
   * start while this one may still write.
   */
  async revoke(): Promise<boolean> {
    if (this.state !== 'running') return false;
    this.state = 'revoking';
    this.deps.inFlight.decrement(this.scheduler.stop());
    this.retryAbort.abort();
    await this.interruptRead();
    if (!(await settlesWithin(this.loop, this.deps.options.blockMs + LOOP_STOP_GRACE_MS))) {
      // A read whose answer never comes must not hold the shutdown: drop its connection
      // (its pending command fails and the loop ends; what it read stays pending for the
      // next owner).
      this.deps.logger.warn(
        { partition: this.partition },
        'partition read did not stop in time; closing its connection',
      );
      await this.closeReader();
      await settlesWithin(this.loop, LOOP_STOP_GRACE_MS);
    }
    const drained = await this.waitIdle(this.deps.options.drainTimeoutMs);
    let released = false;
    if (drained && this.state === 'revoking') {
      released = await this.deps.runtime.scripts
        .releaseLease(
          this.deps.runtime.keys.lease(
            this.deps.options.topic,
            this.partition,
            this.deps.options.group,
          ),
          this.lease.value,
        )
        .then((count) => count === 1)
        .catch(() => false);
    } else if (!drained) {
      this.deps.logger.warn(
        { partition: this.partition },
        'handlers did not drain in time; leaving the lease to expire',
      );
      this.abort.abort();
    }
    if (this.state === 'revoking') this.state = 'stopped';
    await this.closeReader();
    return released;
  }

  /** The lease is gone (fenced or expired): stop at once, drop queued work, never ack again. */
  lose(): void {
    if (this.state === 'lost' || this.state === 'stopped') return;
    this.state = 'lost';
    this.abort.abort();
    this.retryAbort.abort();
    this.deps.inFlight.decrement(this.scheduler.stop());
    void this.interruptRead().then(() => this.loop.finally(() => this.closeReader()));
  }

  private async readLoop(): Promise<void> {
    let failures = 0;
    let waitFrom: string | undefined;
    while (this.state === 'running') {
      try {
        if (this.pendingPassNeeded) {
          this.pendingPassNeeded = false;
          await this.takeOverPending();
          await this.readOwnPending();
        }
        if (waitFrom !== undefined) {
          await this.waitForEntries(waitFrom);
          waitFrom = undefined;
        }
        const { batchSize, maxInFlight } = this.deps.options;
        // Partitions read at the same time: reserving keeps their sum under maxInFlight.
        await this.deps.inFlight.reserve(batchSize, maxInFlight);
        let read: Awaited<ReturnType<PartitionWorker['fetchNew']>>;
        try {
          if (this.state !== 'running') break;
          read = await this.fetchNew();
          for (const entry of read.entries ?? []) this.enqueue(entry);
        } finally {
          this.deps.inFlight.decrement(batchSize);
        }
        const { entries, lastDeliveredId, retry } = read;
        if (entries === undefined) return;
        failures = 0;
        if (retry) continue;
        if (entries.length === 0 && !this.pendingPassNeeded) waitFrom = lastDeliveredId || '$';
      } catch (error) {
        if (this.state !== 'running') break;
        failures++;
        if (isNoGroupError(error)) {
          await this.recreateGroup();
          continue;
        }
        if (failures === 1)
          this.deps.logger.warn(
            { err: error, partition: this.partition },
            'partition read failed; retrying',
          );
        this.pendingPassNeeded = true;
        await sleep(reconnectDelay(failures));
      }
    }
  }

  /** Claims every entry pending in the group for this partition: the new owner finishes them first. */
  private async takeOverPending(): Promise<void> {
    const { runtime, options } = this.deps;
    const leaseKey = runtime.keys.lease(options.topic, this.partition, options.group);
    let cursor = '0-0';
    do {
      const reply = await runtime.scripts.claimFenced(
        this.stream,
        leaseKey,
        this.lease.value,
        options.group,
        options.consumer,
        cursor,
        1000,
      );
      if (reply === -1) return this.fencedOnRead();
      cursor = String(reply[0]);
    } while (cursor !== '0-0' && this.state === 'running');
  }

  private async readOwnPending(): Promise<void> {
    const { batchSize, maxInFlight } = this.deps.options;
    let from = '0';
    while (this.state === 'running') {
      await this.deps.inFlight.reserve(batchSize, maxInFlight);
      let entries: StreamEntry[] | undefined;
      try {
        entries = await this.fetchPending(from);
        for (const entry of entries ?? []) this.enqueue(entry);
      } finally {
        this.deps.inFlight.decrement(batchSize);
      }
      if (entries === undefined || entries.length === 0) return;
      from = entries[entries.length - 1]!.id;
    }
  }

  /** Reads this consumer's own pending entries after `from`, with their delivery counts (fenced). */
  private async fetchPending(from: string): Promise<StreamEntry[] | undefined> {
    const { runtime, options } = this.deps;
    const reply = await runtime.scripts.fetchPendingFenced(
      this.stream,
      runtime.keys.lease(options.topic, this.partition, options.group),
      this.lease.value,
      options.group,
      options.consumer,
      options.batchSize,
      from,
    );
    if (reply === -1) {
      this.fencedOnRead();
      return undefined;
    }
    const [rawEntries, rawCounts] = reply;
    const counts = new Map<string, number>();
    for (let i = 0; i < rawCounts.length; i += 2)
      counts.set(String(rawCounts[i]), Number(String(rawCounts[i + 1])));
    return (rawEntries ?? []).map(([id, fields]) => {
      const entryId = id.toString();
      return {
        stream: this.stream,
        partition: this.partition,
        id: entryId,
        fields: fields && fields.length > 0 ? fields : null,
        deliveryCount: counts.get(entryId) ?? 1,
        fromRetry: false,
        leaseValue: this.lease.value,
      };
    });
  }

  /**
   * Reads new entries only while this replica owns the partition: WATCH the lease, check it,
   * then XREADGROUP inside MULTI/EXEC, which Redis aborts if the lease changed in between. A
   * replica that wakes up after losing its lease cannot take entries from the new owner.
   * (A Lua script would do the same, but turning 500 entries into Lua tables and back costs
   * Redis about three times the read itself.)
   */
  private async fetchNew(): Promise<{
    entries?: StreamEntry[];
    lastDeliveredId?: string;
    retry?: boolean;
  }> {
    const { runtime, options } = this.deps;
    const reader = await this.ensureReader();
    const leaseKey = runtime.keys.lease(options.topic, this.partition, options.group);
    const generation = runtime.connection.generation(reader);
    const checked = await reader.pipeline().watch(leaseKey).get(leaseKey).exec();
    // A failed check (connection dropped, a master restarting) is an error to retry, not a
    // sign that another replica owns the partition.
    const checkError = checked
      ? (checked[0]?.[0] ?? checked[1]?.[0])
      : new Error('no reply to the lease check');
    if (checkError) {
      await reader.unwatch().catch(() => {});
      throw checkError;
    }
    if (checked?.[1]?.[1] !== this.lease.value) {
      await reader.unwatch().catch(() => {});
      this.fencedOnRead();
      return {};
    }
    const replies = await reader
      .multi()
      .xreadgroupBuffer(
        'GROUP',
        options.group,
        options.consumer,
        'COUNT',
        options.batchSize,
        'STREAMS',
        this.stream,
        '>',
      )
      .xinfo('GROUPS', this.stream)
      .exec();
    // Aborted: the lease key changed between WATCH and EXEC (our own heartbeat's renewal
    // touches it too). Read again at once: the next check finds out whether it is still ours.
    if (replies === null) return { entries: [], retry: true };
    const [[readError, read], [, groups]] = replies as [
      [Error | null, unknown],
      [Error | null, unknown],
    ];
    if (readError) throw readError;
    if (runtime.connection.generation(reader) !== generation) {
      // The connection dropped during the read and ioredis may have run it twice: a batch
      // may sit unseen in the pending list, older than this one. Keep order: drop this batch
      // and re-read everything pending, in stream order, before new entries.
      this.pendingPassNeeded = true;
      return { entries: [] };
    }
    const rawEntries =
      (read as Array<[Buffer, Array<[Buffer, Buffer[] | null]>]> | null)?.[0]?.[1] ?? [];
    const entries: StreamEntry[] = rawEntries.map(([id, fields]) => ({
      stream: this.stream,
      partition: this.partition,
      id: id.toString(),
      fields: fields && fields.length > 0 ? fields : null,
      deliveryCount: 1,
      fromRetry: false,
      leaseValue: this.lease.value,
    }));
    let lastDeliveredId = '';
    if (entries.length === 0) {
      for (const row of (groups as unknown[][] | null) ?? []) {
        const info = pairsToRecord(row);
        if (String(info.name) === options.group)
          lastDeliveredId = String(info['last-delivered-id']);
      }
    }
    return { entries, lastDeliveredId };
  }

  private fencedOnRead(): void {
    this.deps.logger.warn(
      { partition: this.partition, epoch: this.lease.epoch },
      'partition read refused: lease lost',
    );
    this.deps.instrumentation.emit('consumer.partition.lost', () => ({
      partition: this.partition,
      epoch: this.lease.epoch,
      reason: 'read fenced',
    }));
    this.lose();
  }

  private enqueue(entry: StreamEntry): void {
    // Fetched while being revoked: the entry stays pending in this consumer and the next
    // owner claims it.
    if (this.state !== 'running' || this.known.has(entry.id)) return;
    // Only the key is read now; the payload is decoded when the entry's turn comes, so the
    // decoded objects die young instead of waiting in the queue (and in the old generation).
    const peeked = entry.fields ? peekEntryKey(entry.fields) : undefined;
    let decoded: DecodedEvent | undefined;
    let key: string | null = null;
    if (peeked !== undefined) key = peeked;
    else if (entry.fields) {
      try {
        decoded = this.deps.runtime.codec.decode(splitMetadata(entry.fields).envelope);
        key = decoded.key;
      } catch {
        // Undecodable: it will be dead-lettered; it must not hold up (or be held by) any key.
      }
    }
    this.known.add(entry.id);
    this.deps.inFlight.increment();
    // Keyless events carry no order promise: each is its own key and runs freely.
    this.scheduler.enqueue(key ?? `\0${entry.id}`, decoded ? { entry, decoded } : { entry });
  }

  /**
   * Counts the item as running at once (a revoke waits for it); its handler starts when the
   * shared gate has a slot. Waiting costs a promise, not a suspended runItem frame.
   */
  private startItem(item: WorkItem): Promise<void> {
    this.running++;
    if (this.deps.gate.tryAcquire()) return this.runItem(item);
    return new Promise((resolve) => this.deps.gate.whenFree(() => resolve(this.runItem(item))));
  }

  /** Runs holding a gate slot (released while a retry waits, and at the end). */
  private async runItem(item: WorkItem): Promise<void> {
    let holdsGate = true;
    let blockedReported = false;
    try {
      // Revoked or lost before it started: the entry stays pending for the next owner.
      if (this.state !== 'running') return;
      let inPlaceRetries = 0;
      let failures = 0;
      for (;;) {
        let delayMs: number;
        try {
          const outcome = await this.deps.processor.process(
            item.entry,
            this.abort.signal,
            inPlaceRetries,
            item.decoded,
          );
          if (outcome.kind === 'fenced') {
            this.deps.instrumentation.emit('consumer.partition.lost', () => ({
              partition: this.partition,
              epoch: this.lease.epoch,
              reason: 'ack fenced',
            }));
            this.deps.logger.warn(
              { partition: this.partition, epoch: this.lease.epoch, entryId: item.entry.id },
              'ack rejected: partition now owned by another replica',
            );
            this.lose();
            return;
          }
          if (outcome.kind !== 'retry-in-place') return;
          if (outcome.blocked && !blockedReported) {
            blockedReported = true;
            this.reportBlockedKey(item);
          }
          inPlaceRetries++;
          delayMs = outcome.delayMs;
        } catch (error) {
          // Settling failed (Redis unreachable): the key must not move on before this entry
          // is settled, so the same entry runs again after a backoff.
          failures++;
          delayMs = reconnectDelay(failures);
          this.deps.logger.warn(
            { err: error, partition: this.partition, entryId: item.entry.id },
            'could not settle entry; retrying it',
          );
        }
        // Other keys keep running while this one waits.
        this.deps.gate.release();
        holdsGate = false;
        await sleep(delayMs, this.retryAbort.signal);
        if (this.state !== 'running') return;
        await this.deps.gate.acquire();
        holdsGate = true;
        if (this.state !== 'running') return;
      }
    } finally {
      if (blockedReported) this.deps.onBlockedKeysChanged(-1);
      if (holdsGate) this.deps.gate.release();
      this.running--;
      this.known.delete(item.entry.id);
      this.deps.inFlight.decrement();
      if (this.running === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const waiter of waiters) waiter();
      }
    }
  }

  private reportBlockedKey(item: WorkItem): void {
    this.deps.onBlockedKeysChanged(1);
    this.deps.instrumentation.emit('consumer.key.blocked', () => ({
      partition: this.partition,
      key: item.decoded?.key ?? '',
      entryId: item.entry.id,
      attempts: this.deps.options.maxDeliveries,
    }));
    this.deps.logger.error(
      { partition: this.partition, key: item.decoded?.key, entryId: item.entry.id },
      'key blocked: retries exhausted and onRetriesExhausted is block-key; later events of this key wait',
    );
  }

  private async waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.running === 0) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Blocks on XREAD (no group: reading delivers nothing) until the stream moves past `afterId`. */
  private async waitForEntries(afterId: string): Promise<void> {
    const reader = await this.ensureReader();
    if (this.state !== 'running') return;
    // COUNT 1: this read only wakes the loop up; the fenced read takes the entries. Without it
    // the reply would carry the whole backlog after afterId, read for nothing.
    await reader.xread(
      'COUNT',
      1,
      'BLOCK',
      this.deps.options.blockMs,
      'STREAMS',
      this.stream,
      afterId,
    );
  }

  private async ensureReader(): Promise<RedisClient> {
    if (!this.reader) {
      const { connection } = this.deps.runtime;
      this.reader = await connection.createReader(`waker-${this.partition}`);
      if (!connection.cluster)
        this.readerId = Number(
          await (this.reader as { client(sub: 'ID'): Promise<number> }).client('ID'),
        );
    }
    return this.reader;
  }

  private async interruptRead(): Promise<void> {
    if (this.readerId !== undefined) {
      await this.deps.runtime.connection.commands.client('UNBLOCK', this.readerId).catch(() => {});
    } else if (this.reader) {
      // A cluster reader has no single client id to unblock: dropping it ends the wait.
      await this.closeReader();
    }
  }

  private async closeReader(): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    this.readerId = undefined;
    if (reader) await this.deps.runtime.connection.closeReader(reader);
  }

  private async recreateGroup(): Promise<void> {
    const { runtime, options } = this.deps;
    const from = options.recreateGroupFrom === 'end' ? '$' : startPositionId('beginning');
    // After FLUSHALL the topic metadata is gone too: put it back so producers keep working.
    await runtime.topics
      .ensureTopic(options.topic, { partitions: this.deps.partitions })
      .catch(() => {});
    if (await ensureGroup(runtime.connection.commands, this.stream, options.group, from)) {
      this.deps.logger.error(
        { stream: this.stream, group: options.group, policy: options.recreateGroupFrom },
        'consumer group vanished; recreated it',
      );
      this.deps.instrumentation.emit('consumer.group.recreated', () => ({
        stream: this.stream,
        from,
      }));
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
