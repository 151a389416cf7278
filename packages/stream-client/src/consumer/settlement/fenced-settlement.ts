import { FencedError } from '../../errors.js';
import type { RedisKeys } from '../../keys.js';
import type { LuaScripts } from '../../scripts/lua-scripts.js';
import { ScriptStatus, settledStatus } from '../../scripts/script-status.js';
import type { FencingLease, StreamEntry } from '../stream-entry.js';
import type { ResolvedSubscribeOptions } from '../subscribe-options.js';
import { deadLetterFields } from './dead-letter-fields.js';
import type { Settlement } from './settlement.js';

/**
 * Ordering key: every settlement is fenced by the lease the entry was read under. Acks and
 * run counts of one partition and tick go out as one `settleFenced` call (one lease check for
 * all of them); the effectively-once step and dead-lettering check the lease in their own
 * scripts. An entry whose lease this replica no longer holds is refused without asking Redis.
 *
 * Runs are counted in the group's runs hash (see settleFenced-3.lua), and `entry.runs`
 * mirrors the count here.
 */
export class FencedSettlement implements Settlement {
  private readonly batches = new WeakMap<FencingLease, FencedBatch>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly scripts: LuaScripts,
    private readonly keys: RedisKeys,
    private readonly options: ResolvedSubscribeOptions<unknown>,
  ) {}

  /**
   * Sets the entry's count of handler runs started to `runs`, with the tick's acks of the same
   * partition. Setting an absolute value (not adding one) makes a resend after a lost reply
   * harmless. The caller updates `entry.runs` once this resolves; the promise is shared by the
   * whole batch.
   */
  setRuns(entry: StreamEntry, runs: number): Promise<void> {
    return this.countRuns(entry, runs).promise;
  }

  /**
   * `setRuns`, with a flag that is set once Redis has the count: a caller that finds it set
   * need not wait for the promise (the run counter starts a handover's next run without a
   * turn of the microtask queue).
   */
  countRuns(entry: StreamEntry, runs: number): PendingCount {
    const lease = this.heldLease(entry);
    if (!lease) {
      // Awaited later (or never, for a run that will not start): observed here, not per caller.
      const refused = Promise.reject(this.fenced(entry));
      refused.catch(() => {});
      return { promise: refused, done: false };
    }
    return this.batchOf(lease, entry.stream).setRuns(entry.id, runs);
  }

  ack: Settlement['ack'] = (entry) => {
    const lease = this.heldLease(entry);
    if (!lease) return Promise.reject(this.fenced(entry));
    return this.batchOf(lease, entry.stream).ack(entry.id);
  };

  ackAndMark: Settlement['ackAndMark'] = async (entry, eventId, effects) => {
    const lease = this.heldLease(entry);
    if (!lease) throw this.fenced(entry);
    const { topic, group } = this.options;
    const reply = await this.track(
      this.scripts.ackAndMark({
        stream: entry.stream,
        doneMarkers: this.keys.doneMarkers(topic, entry.partition, group),
        lease: lease.key,
        runs: this.keys.runs(topic, entry.partition, group),
        group,
        entryId: entry.id,
        eventId,
        windowMs: this.options.dedupeWindowMs,
        expectedLease: lease.value,
        effects,
      }),
    );
    return settledStatus(reply, { topic, partition: entry.partition, epoch: lease.epoch });
  };

  deadLetter: Settlement['deadLetter'] = async (entry, reason, error, attempts) => {
    const lease = this.heldLease(entry);
    if (!lease) throw this.fenced(entry);
    const { topic, group, consumer } = this.options;
    const reply = await this.track(
      this.scripts.deadLetter({
        stream: entry.stream,
        deadLetters: this.keys.deadLetters(topic, entry.partition),
        lease: lease.key,
        runs: this.keys.runs(topic, entry.partition, group),
        group,
        entryId: entry.id,
        expectedLease: lease.value,
        maxLength: this.options.deadLetterMaxLen,
        fields: deadLetterFields(entry, { reason, error, attempts, group, consumer }),
      }),
    );
    if (reply === ScriptStatus.FENCED) throw this.fenced(entry);
    return reply !== ScriptStatus.NOT_PENDING;
  };

  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private heldLease(entry: StreamEntry): FencingLease | undefined {
    const lease = entry.lease;
    return lease?.held ? lease : undefined;
  }

  private fenced(entry: StreamEntry): FencedError {
    return new FencedError(this.options.topic, entry.partition, entry.lease?.epoch ?? -1);
  }

  private batchOf(lease: FencingLease, stream: string): FencedBatch {
    let batch = this.batches.get(lease);
    if (!batch) {
      const runs = this.keys.runs(this.options.topic, lease.partition, this.options.group);
      batch = new FencedBatch((ackIds, runCounts) =>
        this.track(
          this.scripts.settleFenced({
            stream,
            lease: lease.key,
            runs,
            expectedLease: lease.value,
            group: this.options.group,
            ackIds,
            runCounts,
          }),
        ).then((reply) => {
          if (reply === ScriptStatus.FENCED)
            throw new FencedError(this.options.topic, lease.partition, lease.epoch);
          return reply;
        }),
      );
      this.batches.set(lease, batch);
    }
    return batch;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }
}

type SendBatch = (ackIds: string[], runCounts: Array<string | number>) => Promise<number>;

/**
 * Collects one lease's acks and run counts of the same tick into one script call; everything
 * in it shares one promise (no allocation per entry).
 */
class FencedBatch {
  private ackIds: string[] = [];
  private runCounts: Array<string | number> = [];
  private settled: Deferred | undefined;
  private scheduled = false;

  constructor(private readonly send: SendBatch) {}

  ack(id: string): Promise<void> {
    this.ackIds.push(id);
    return this.queued().promise;
  }

  setRuns(id: string, runs: number): PendingCount {
    this.runCounts.push(id, runs);
    return this.queued();
  }

  private queued(): Deferred {
    this.settled ??= deferred();
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return this.settled;
  }

  private flush(): void {
    this.scheduled = false;
    const { ackIds, runCounts, settled } = this;
    this.ackIds = [];
    this.runCounts = [];
    this.settled = undefined;
    this.send(ackIds, runCounts).then(
      () => {
        if (!settled) return;
        settled.done = true;
        settled.resolve();
      },
      (error: unknown) => settled?.reject(error),
    );
  }
}

/** A run count on its way to Redis. */
export interface PendingCount {
  /** Resolves once Redis has the count; rejects when it was refused or failed. */
  readonly promise: Promise<void>;
  /** True once `promise` has resolved (never set when it rejects). */
  readonly done: boolean;
}

interface Deferred extends PendingCount {
  done: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers await it; an unobserved rejection must not crash the process in between.
  promise.catch(() => {});
  return { promise, done: false, resolve, reject };
}
