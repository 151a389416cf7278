import type { Logger } from 'pino';
import { reconnectDelay } from '../../connection/backoff.js';
import { FencedError } from '../../errors.js';
import type { ConcurrencyGate } from '../concurrency-gate.js';
import type { EntryProcessor } from '../entry-processor.js';
import type { InFlightCounter } from '../in-flight-counter.js';
import type { Instrumentation } from '../instrumentation.js';
import type { FencedSettlement } from '../settlement/fenced-settlement.js';
import { compareEntryIds } from '../stream-entry.js';
import type { ResolvedSubscribeOptions } from '../subscribe-options.js';
import { abortableSleep, sleep } from '../waits.js';
import type { PartitionLease } from './partition-lease.js';
import { RunCounter } from './run-counter.js';
import type { WorkItem } from './work-item.js';

/**
 * The entries of one key in memory. While a key waits (a retry backoff, a blocked key) its
 * later entries are parked: dropped from memory, left pending in Redis, and read back in
 * order once it moves again, so a stuck key holds neither the read-ahead budget of the
 * replica nor the other keys of its partition.
 */
interface Lane {
  key: string;
  /** The head runs (or waits to run); the rest wait behind it, in stream order. */
  items: WorkItem[];
  draining: boolean;
  /**
   * Set while the key is behind: its pending entries after this id are not in memory (parked,
   * or read while parked). New reads leave them pending; a catch-up reads them back in order.
   */
  behindAfter: string | undefined;
  /** Entries of this key may be pending after `behindAfter`: a catch-up must look. */
  moreBehind: boolean;
  /** A catch-up read of this key is asked for and not done. */
  catchingUp: boolean;
  /** A run of this key that passed handlerTimeoutMs and still goes on: the key waits for it. */
  abandoned: Promise<unknown> | undefined;
  /** How long the key waits for it: the grace of the timeout that gave up on it. */
  abandonGraceMs?: number | undefined;
}

/** How a key's head ended: stop the key here, go on, or go on with the slot handed over. */
type HeadResult = 'stop' | 'next' | 'handover';

export interface KeyRunnerDeps {
  lease: PartitionLease;
  options: ResolvedSubscribeOptions<unknown>;
  processor: EntryProcessor;
  settlement: FencedSettlement;
  gate: ConcurrencyGate;
  inFlight: InFlightCounter;
  instrumentation: Instrumentation;
  logger: Logger;
  /** Aborted when the lease is lost or a drain times out: tells running handlers to stop. */
  handlerSignal: AbortSignal;
  /** Aborted when the partition is given up: ends retry waits (their entries stay pending). */
  waitSignal: AbortSignal;
  /** True while the worker runs and the lease is inside its local deadline. */
  mayStart: () => boolean;
  /** A fenced settlement: the lease is gone. */
  onFenced: (reason: string) => void;
  /** A behind key's queue ran dry: read its pending entries back (see catchUpCursor). */
  requestCatchUp: (key: string) => void;
  onBlockedKeysChanged: (delta: number) => void;
}

/**
 * Per-key serialization inside one owned partition: entries of one key run one at a time in
 * stream order (a run that passed its timeout included), different keys concurrently (up to
 * the replica's concurrency gate). A failed handler is retried in place after its backoff
 * while the key's later entries are parked. Every run is counted in Redis before it starts
 * (RunCounter), so `ctx.attempt` and maxDeliveries count handler runs, never takeovers or
 * re-reads.
 */
export class KeyRunner {
  private readonly lanes = new Map<string, Lane>();
  /** Ids in memory here (queued or running): a re-read must not queue one twice. */
  private readonly known = new Set<string>();
  private readonly runs: RunCounter;
  private stopped = false;
  private readonly blockKey: boolean;

  constructor(private readonly deps: KeyRunnerDeps) {
    this.blockKey = deps.options.onRetriesExhausted === 'block-key';
    this.runs = new RunCounter(deps.settlement, deps.mayStart, abandonGraceMs(deps.options));
  }

  /** Runs counted and not ended (a drain, or taking the partition back, waits for 0). */
  get running(): number {
    return this.runs.running;
  }

  /**
   * Queues an entry read from the stream or the pending list. False when it was not taken:
   * already in memory, or its key is behind (it stays pending; the key's catch-up reads it).
   */
  enqueue(item: WorkItem): boolean {
    if (this.stopped || this.known.has(item.entry.id)) return false;
    const lane = this.lanes.get(item.key);
    if (lane?.behindAfter !== undefined) {
      // Older than where the key's catch-up reads on: the group was moved back (a seek), so
      // Redis delivers entries again that this key already went past. Read on from before
      // it, or it would sit in the pending list unseen until the partition moves.
      if (compareEntryIds(item.entry.id, lane.behindAfter) <= 0) {
        lane.behindAfter = idBefore(item.entry.id);
        if (lane.catchingUp) this.deps.requestCatchUp(lane.key);
      }
      lane.moreBehind = true;
      return false;
    }
    this.take(lane ?? this.newLane(item.key), item);
    return true;
  }

  /** Where the catch-up of a behind key reads on from; undefined when none is wanted. */
  catchUpCursor(key: string): string | undefined {
    const lane = this.lanes.get(key);
    return lane?.catchingUp ? lane.behindAfter : undefined;
  }

  /**
   * One page of a key's catch-up: its entries among the pending ones after `after`, up to
   * `scannedTo`. True when the reader should read the next page; false when the catch-up is
   * over (the end of the pending list, enough in memory for now, or the key parked again
   * meanwhile, which cancels it until it moves again).
   */
  acceptCatchUpPage(
    key: string,
    after: string,
    items: WorkItem[],
    scannedTo: string,
    reachedEnd: boolean,
  ): boolean {
    const lane = this.lanes.get(key);
    if (this.stopped || !lane?.catchingUp || lane.behindAfter !== after) return false;
    for (const item of items) if (!this.known.has(item.entry.id)) this.take(lane, item);
    if (reachedEnd) {
      lane.behindAfter = undefined;
      lane.moreBehind = false;
      lane.catchingUp = false;
      this.settleLane(lane);
      return false;
    }
    lane.behindAfter = scannedTo;
    if (lane.items.length >= this.deps.options.batchSize) {
      // Enough of this key in memory: read on when these are done.
      lane.catchingUp = false;
      lane.moreBehind = true;
      return false;
    }
    return true;
  }

  /** Drops everything not yet running (it stays pending for the next owner). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const lane of this.lanes.values()) {
      const dropped = lane.items.splice(lane.draining ? 1 : 0);
      for (const item of dropped) this.forget(item);
      // A head counted while it waits for a handler slot will not run: take its count back
      // now, while the lease is still held (the drain waits for it), not when a slot frees.
      const head = lane.items[0];
      if (head?.run && !head.run.confirmed) void this.runs.takeBack(head);
    }
  }

  /** Resolves once no run is counted or going on. */
  whenIdle(): Promise<void> {
    return this.runs.whenIdle();
  }

  /** Resolves true once no run is counted or going on, false when `timeoutMs` passed first. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    return this.runs.waitIdle(timeoutMs);
  }

  private newLane(key: string): Lane {
    const lane: Lane = {
      key,
      items: [],
      draining: false,
      behindAfter: undefined,
      moreBehind: false,
      catchingUp: false,
      abandoned: undefined,
    };
    this.lanes.set(key, lane);
    return lane;
  }

  private take(lane: Lane, item: WorkItem): void {
    this.known.add(item.entry.id);
    this.deps.inFlight.increment();
    const index = streamOrderIndex(lane.items, item);
    if (index === lane.items.length) lane.items.push(item);
    else lane.items.splice(index, 0, item);
    if (lane.draining) return;
    // A new head: its run is counted now, while it may still wait for a handler slot, so the
    // count's round trip overlaps the wait (stop() takes the count back if it never runs).
    this.runs.sendAhead(item);
    void this.drain(lane);
  }

  private forget(item: WorkItem): void {
    this.known.delete(item.entry.id);
    if (item.parked) item.parked = false;
    else this.deps.inFlight.decrement();
    // Counted with the previous entry's ack, then dropped (the partition is given up).
    if (item.run) void this.runs.takeBack(item);
  }

  private async drain(lane: Lane): Promise<void> {
    lane.draining = true;
    // A handler slot handed from one entry of the key to the next, counted with its ack.
    let slot = false;
    try {
      while (lane.items.length > 0 && !this.stopped) {
        const item = lane.items[0]!;
        const result = await this.runHead(lane, item, slot);
        slot = result === 'handover';
        lane.items.shift();
        this.forget(item);
        if (result === 'stop') break;
        if (lane.abandoned) await this.waitAbandoned(lane);
      }
    } catch (error) {
      this.deps.logger.error(
        { err: error, partition: this.deps.lease.partition },
        'key runner failed unexpectedly',
      );
    } finally {
      if (slot) this.deps.gate.release();
      lane.draining = false;
      this.settleLane(lane);
    }
  }

  /** After a lane's queue ran dry: read its parked entries back, or forget it. */
  private settleLane(lane: Lane): void {
    if (lane.draining || lane.items.length > 0) return;
    if (this.stopped || lane.behindAfter === undefined || !lane.moreBehind) {
      // Live, or nothing of this key arrived while it waited: nothing to read back.
      if (!lane.catchingUp) this.lanes.delete(lane.key);
      return;
    }
    if (!lane.catchingUp) {
      lane.catchingUp = true;
      lane.moreBehind = false;
      this.deps.requestCatchUp(lane.key);
    }
  }

  /**
   * The key waits: its later entries leave memory (they stay pending) until it moves again,
   * and a catch-up in progress is called off (it starts again from the head afterwards). The
   * waiting head itself stops counting against maxInFlight, so waiting keys never hold the
   * read room the others need.
   */
  private park(lane: Lane): void {
    const parked = lane.items.splice(1);
    for (const item of parked) this.forget(item);
    const head = lane.items[0]!;
    if (!head.parked) {
      head.parked = true;
      this.deps.inFlight.decrement();
    }
    if (parked.length > 0 || lane.catchingUp || lane.behindAfter === undefined) {
      if (parked.length > 0 || lane.catchingUp) lane.moreBehind = true;
      lane.behindAfter = head.entry.id;
      lane.catchingUp = false;
    }
  }

  /**
   * Runs the head of a key until it is settled (handled, dead-lettered, skipped). 'stop' when
   * the partition is being given up or lost, so the key stops here; 'handover' when the next
   * entry of the key was counted with this one's ack and takes over its handler slot.
   */
  private async runHead(lane: Lane, item: WorkItem, slotHandedOver: boolean): Promise<HeadResult> {
    const { gate, processor, options } = this.deps;
    const runs = this.runs;
    let blockedReported = false;
    let failures = 0;
    let holdsSlot = slotHandedOver;
    try {
      for (;;) {
        if (!holdsSlot) {
          if (!this.deps.mayStart()) return 'stop';
          if (!gate.tryAcquire()) {
            await gate.acquire();
            if (!this.deps.mayStart()) {
              gate.release();
              return 'stop';
            }
          }
          holdsSlot = true;
        }
        if (item.parked) {
          item.parked = false;
          this.deps.inFlight.increment();
        }
        let delayMs: number;
        let handOver = false;
        try {
          if (!this.deps.mayStart()) return 'stop';
          const counted = runs.confirm(item);
          const attempt = typeof counted === 'number' ? counted : await counted;
          // The lease may have passed its deadline, or the partition been given up, while the
          // count was on its way: the run does not happen, so its count is taken back.
          if (!this.deps.mayStart()) {
            await runs.takeBack(item);
            return 'stop';
          }
          if (this.blockKey && attempt > options.maxDeliveries && !blockedReported) {
            // Exhausted before this run (earlier runs crashed, or an earlier owner kept it
            // blocked): wait the blocked backoff first instead of running it at once.
            blockedReported = true;
            this.reportBlocked(item);
            await runs.takeBack(item);
            this.park(lane);
            delayMs = options.retryBackoff.maxMs;
          } else {
            const next = lane.items[1];
            const outcome = await processor.process(
              item.entry,
              this.deps.handlerSignal,
              attempt,
              item.decoded,
              // The next entry of this key is counted in the same call as this one's ack.
              next ? () => runs.sendAhead(next) : undefined,
            );
            runs.ended(item, outcome.stillRunning, outcome.abandonGraceMs);
            if (outcome.stillRunning) {
              lane.abandoned = outcome.stillRunning;
              lane.abandonGraceMs = outcome.abandonGraceMs;
            }
            if (outcome.kind === 'fenced') {
              this.deps.onFenced('ack fenced');
              return 'stop';
            }
            if (outcome.kind !== 'retry-in-place') {
              handOver = next?.run !== undefined && lane.abandoned === undefined;
              return handOver ? 'handover' : 'next';
            }
            if (outcome.blocked && !blockedReported) {
              blockedReported = true;
              this.reportBlocked(item);
            }
            this.park(lane);
            delayMs = outcome.delayMs;
          }
        } catch (error) {
          runs.ended(item);
          if (error instanceof FencedError) {
            this.deps.onFenced('ack fenced');
            return 'stop';
          }
          // Counting the run or settling failed on the connection (and the worker stopped
          // resending it): the entry stays at the head and runs again after a backoff.
          failures++;
          delayMs = reconnectDelay(failures);
          this.deps.logger.warn(
            { err: error, partition: this.deps.lease.partition, entryId: item.entry.id },
            'could not start or settle entry; retrying it',
          );
        } finally {
          if (!handOver) {
            gate.release();
            holdsSlot = false;
          }
        }
        // Other keys keep running while this one waits.
        await abortableSleep(delayMs, this.deps.waitSignal);
        await this.waitAbandoned(lane);
      }
    } finally {
      if (blockedReported) this.deps.onBlockedKeysChanged(-1);
    }
  }

  /**
   * One key never runs twice at once: not even while a timed-out run of it still goes on. Its
   * signal was aborted at the timeout; the key waits for it to end, for at most another grace
   * period (a handler that never returns must not hold its key forever), then goes on.
   */
  private async waitAbandoned(lane: Lane): Promise<void> {
    const running = lane.abandoned;
    if (!running) return;
    const { logger, lease, options, waitSignal } = this.deps;
    logger.warn(
      { partition: lease.partition, key: lane.key },
      'a timed-out handler of this key is still running; the key waits for it to end',
    );
    const graceMs = lane.abandonGraceMs ?? abandonGraceMs(options);
    const ended = await settledOrAborted(
      Promise.race([
        running.then(
          () => true,
          () => true,
        ),
        sleep(graceMs).then(() => false),
      ]),
      waitSignal,
    );
    if (!ended && !waitSignal.aborted)
      logger.error(
        { partition: lease.partition, key: lane.key, graceMs },
        'a timed-out handler ignored its signal for another grace period; the key goes on while it may still run',
      );
    if (lane.abandoned === running) lane.abandoned = undefined;
  }

  private reportBlocked(item: WorkItem): void {
    const { partition } = this.deps.lease;
    this.deps.onBlockedKeysChanged(1);
    this.deps.instrumentation.emit('consumer.key.blocked', () => ({
      partition,
      key: item.key,
      entryId: item.entry.id,
      attempts: this.deps.options.maxDeliveries,
    }));
    this.deps.logger.error(
      { partition, key: item.key, entryId: item.entry.id },
      'key blocked: retries exhausted and onRetriesExhausted is block-key; later events of this key wait',
    );
  }
}

/**
 * Where a newly taken entry goes in its key's queue: at the end, except when it is older than
 * entries queued that have neither started nor been counted (the group was moved back by a
 * seek, and Redis delivers again entries the key had gone past): then before them, so the
 * replay runs in stream order. The head and the entry after it (counted with the head's ack)
 * keep their places: they were in flight when the group moved.
 */
function streamOrderIndex(items: readonly WorkItem[], item: WorkItem): number {
  let index = items.length;
  while (
    index > 2 &&
    items[index - 1]!.run === undefined &&
    compareEntryIds(items[index - 1]!.entry.id, item.entry.id) > 0
  )
    index--;
  return index;
}

/** The greatest stream id below `id`, for an exclusive read that must include `id`. */
function idBefore(id: string): string {
  const [ms, seq] = id.split('-') as [string, string | undefined];
  const sequence = BigInt(seq ?? '0');
  if (sequence > 0n) return `${ms}-${sequence - 1n}`;
  const time = BigInt(ms);
  return time > 0n ? `${time - 1n}-18446744073709551615` : '0-0';
}

/**
 * How long a run past handlerTimeoutMs may go on (its signal aborted) before its key and its
 * partition stop waiting for it: as long again as the timeout, at least 2 s.
 */
function abandonGraceMs(options: ResolvedSubscribeOptions<unknown>): number {
  return Math.max(2000, options.handlerTimeoutMs);
}

/**
 * Resolves with what `work` resolves to, or false when `signal` aborts first; leaves no
 * listener behind.
 */
function settledOrAborted(work: Promise<boolean>, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    const done = (value: boolean) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    work.then(done, () => done(true));
  });
}
