import type { FencedSettlement, PendingCount } from '../settlement/fenced-settlement.js';
import type { WorkItem } from './work-item.js';

/** A run counted in Redis (or on its way there) and the busy token it holds. */
export interface CountedRun {
  /** Settles once Redis has the count (`done` then says it arrived). */
  counting: PendingCount;
  /** Set once the caller saw the count arrive (`entry.runs` includes it). */
  confirmed: boolean;
  release: () => void;
}

/**
 * Counts the handler runs of one owned partition in Redis before they start (the group's
 * runs hash, see settleFenced-3.lua), and
 * keeps the partition busy from the moment a count is sent until the run it counted has ended,
 * or the count was taken back. A drain waits for that before the lease is released, so a
 * graceful handover never leaves a count behind for a run that did not happen, and a
 * partition is never taken back while a run of its previous ownership still goes on.
 */
export class RunCounter {
  private busy = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly settlement: FencedSettlement,
    private readonly mayStart: () => boolean,
    /** How long a run past its timeout may go on before it is given up on (see `ended`). */
    private readonly abandonGraceMs: number,
  ) {}

  /** Runs counted and not yet ended or taken back (handlers running among them). */
  get running(): number {
    return this.busy;
  }

  /** Sends the count of the item's next run, unless one is already on its way. */
  send(item: WorkItem): void {
    if (item.run) return;
    // The batch's shared promise already observes its own failure (no handler per entry).
    const counting = this.settlement.countRuns(item.entry, (item.entry.runs ?? 0) + 1);
    item.run = { counting, confirmed: false, release: this.token() };
  }

  /** Counts the next run of a key with the ack of the entry before it, while runs may start. */
  sendAhead(item: WorkItem): void {
    if (this.mayStart()) this.send(item);
  }

  /**
   * Waits until the item's run is counted in Redis and returns its attempt (1 for the first
   * run). The busy token stays with the run. When the count failed, it is dropped and the
   * error thrown (sending the same counter value again later is harmless). A number, without
   * waiting, when Redis already has the count (the next entry of a key, counted with the ack
   * of the one before it): the hot path then takes no turn of the microtask queue.
   */
  confirm(item: WorkItem): number | Promise<number> {
    this.send(item);
    const run = item.run!;
    if (run.counting.done) return this.confirmed(item, run);
    return this.confirmWhenCounted(item, run);
  }

  private async confirmWhenCounted(item: WorkItem, run: CountedRun): Promise<number> {
    try {
      await run.counting.promise;
    } catch (error) {
      item.run = undefined;
      run.release();
      throw error;
    }
    return this.confirmed(item, run);
  }

  private confirmed(item: WorkItem, run: CountedRun): number {
    run.confirmed = true;
    item.entry.runs = (item.entry.runs ?? 0) + 1;
    return item.entry.runs;
  }

  /**
   * The run ended. `stillRunning`: its handler passed its timeout and goes on (it ignores its
   * signal); the partition stays busy until that ends too, or until it has had another
   * `abandonGraceMs`: a handler that never returns must not keep its partition forever.
   */
  ended(item: WorkItem, stillRunning?: Promise<unknown>, graceMs = this.abandonGraceMs): void {
    const run = item.run;
    item.run = undefined;
    if (!run) return;
    if (!stillRunning) {
      run.release();
      return;
    }
    const timer = setTimeout(run.release, graceMs);
    timer.unref();
    const release = () => {
      clearTimeout(timer);
      run.release();
    };
    stillRunning.then(release, release);
  }

  /** The counted run will not happen: set the counter back once the count is in, then release. */
  async takeBack(item: WorkItem): Promise<void> {
    const run = item.run;
    item.run = undefined;
    if (!run) return;
    try {
      await run.counting.promise;
      const runs = item.entry.runs ?? 0;
      const before = run.confirmed ? runs - 1 : runs;
      await this.settlement.setRuns(item.entry, before);
      item.entry.runs = before;
    } catch {
      // Refused (the lease is gone: that is a loss, like a crash) or the connection: the count
      // stays; nothing else to do.
    } finally {
      run.release();
    }
  }

  whenIdle(): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves true once nothing is busy, false when `timeoutMs` passed first. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.busy === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private token(): () => void {
    this.busy++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.busy > 0) return;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const waiter of waiters) waiter();
    };
  }
}
