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
   * Counts a handler run of the entry before it starts, and returns the run number (1 for the
   * first run). Goes out with the tick's acks of the same partition.
   */
  begin(entry: StreamEntry): Promise<number> {
    const lease = this.heldLease(entry);
    if (!lease) return Promise.reject(this.fenced(entry));
    return this.batchOf(lease, entry.stream).begin(entry.id);
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
        attempts: this.keys.attempts(topic, entry.partition, group),
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
        attempts: this.keys.attempts(topic, entry.partition, group),
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
      batch = new FencedBatch((ackIds, startIds) =>
        this.track(
          this.scripts.settleFenced({
            stream,
            lease: lease.key,
            attempts: this.keys.attempts(this.options.topic, lease.partition, this.options.group),
            expectedLease: lease.value,
            group: this.options.group,
            ackIds,
            startIds,
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

type SendBatch = (ackIds: string[], startIds: string[]) => Promise<number[]>;

/**
 * Collects one lease's acks and run starts of the same tick into one script call. Acks share
 * one promise per batch (no allocation per entry); each start gets its own run number.
 */
class FencedBatch {
  private ackIds: string[] = [];
  private startIds: string[] = [];
  private starts: Array<{ resolve: (runs: number) => void; reject: (error: unknown) => void }> = [];
  private acked:
    | { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void }
    | undefined;
  private scheduled = false;

  constructor(private readonly send: SendBatch) {}

  ack(id: string): Promise<void> {
    this.ackIds.push(id);
    this.acked ??= deferred();
    this.schedule();
    return this.acked.promise;
  }

  begin(id: string): Promise<number> {
    this.startIds.push(id);
    this.schedule();
    return new Promise((resolve, reject) => this.starts.push({ resolve, reject }));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const { ackIds, startIds, starts, acked } = this;
    this.ackIds = [];
    this.startIds = [];
    this.starts = [];
    this.acked = undefined;
    this.send(ackIds, startIds).then(
      (reply) => {
        acked?.resolve();
        for (const [i, start] of starts.entries()) start.resolve(Number(reply[i + 1]));
      },
      (error: unknown) => {
        acked?.reject(error);
        for (const start of starts) start.reject(error);
      },
    );
  }
}

function deferred(): {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
} {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers await it; an unobserved rejection must not crash the process in between.
  promise.catch(() => {});
  return { promise, resolve, reject };
}
