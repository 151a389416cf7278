import type { Logger } from 'pino';
import type { ConcurrencyGate } from '../concurrency-gate.js';
import type { ConsumerRuntime } from '../consumer-runtime.js';
import type { EntryProcessor } from '../entry-processor.js';
import type { InFlightCounter } from '../in-flight-counter.js';
import type { Instrumentation } from '../instrumentation.js';
import type { PauseControl } from '../pause-control.js';
import type { FencedSettlement } from '../settlement/fenced-settlement.js';
import { settlesWithin } from '../settles-within.js';
import type { ResolvedSubscribeOptions } from '../subscribe-options.js';
import { KeyRunner } from './key-runner.js';
import type { LeaseKeeper } from './lease-keeper.js';
import type { PartitionLease } from './partition-lease.js';
import { PartitionReader } from './partition-reader.js';

/**
 * The life of one owned partition:
 *   running  -> revoking  the assignment moved it away, or close(): stop reading, drop queued
 *                         entries (they stay pending), let running handlers finish
 *   running  -> lost      the lease was refused, passed its local deadline, or a fenced step
 *                         failed: stop at once, abort handlers, never settle again
 *   revoking -> stopped   drained and released; or the drain timed out: handlers aborted,
 *                         and the lease left to lapse if they still run
 *   revoking -> lost      the lease was lost while draining
 * The lease is renewed (by the keeper) until the worker leaves running/revoking.
 */
type WorkerState = 'running' | 'revoking' | 'stopped' | 'lost';

const TRANSITIONS: Record<WorkerState, readonly WorkerState[]> = {
  running: ['revoking', 'lost'],
  revoking: ['stopped', 'lost'],
  stopped: [],
  lost: [],
};

/** How long aborted handlers get to stop after a drain timed out, before the lease is left to lapse. */
const ABORT_GRACE_MS = 1000;
/** How long a release may take before the lease is left to expire instead. */
const RELEASE_TIMEOUT_MS = 2000;

export interface PartitionWorkerDeps {
  runtime: ConsumerRuntime;
  options: ResolvedSubscribeOptions<unknown>;
  processor: EntryProcessor;
  settlement: FencedSettlement;
  gate: ConcurrencyGate;
  inFlight: InFlightCounter;
  instrumentation: Instrumentation;
  logger: Logger;
  keeper: LeaseKeeper;
  /** What `subscription.pause()` stopped reading. */
  pause: PauseControl;
  onBlockedKeysChanged: (delta: number) => void;
  /** Called once, when the worker reaches stopped or lost. */
  onFinished: (worker: PartitionWorker) => void;
}

/** One owned partition: its lease, its reader and its key runner, under one state machine. */
export class PartitionWorker {
  private state: WorkerState = 'running';
  /** Aborted when the lease is lost or a drain times out: tells running handlers to stop. */
  private readonly handlerAbort = new AbortController();
  /** Aborted when the partition is given up: ends retry waits (their entries stay pending). */
  private readonly waitAbort = new AbortController();
  private readonly runner: KeyRunner;
  private readonly reader: PartitionReader;
  private revoking: Promise<boolean> | undefined;

  constructor(
    readonly lease: PartitionLease,
    private readonly deps: PartitionWorkerDeps,
  ) {
    this.runner = new KeyRunner({
      lease,
      options: deps.options,
      processor: deps.processor,
      settlement: deps.settlement,
      gate: deps.gate,
      inFlight: deps.inFlight,
      instrumentation: deps.instrumentation,
      logger: deps.logger,
      handlerSignal: this.handlerAbort.signal,
      waitSignal: this.waitAbort.signal,
      mayStart: () => this.state === 'running' && lease.isValid(),
      onFenced: (reason) => this.lose(reason),
      requestCatchUp: (key) => this.reader.requestCatchUp(key),
      onBlockedKeysChanged: deps.onBlockedKeysChanged,
    });
    this.reader = new PartitionReader({
      runtime: deps.runtime,
      options: deps.options,
      lease,
      runner: this.runner,
      inFlight: deps.inFlight,
      instrumentation: deps.instrumentation,
      logger: deps.logger,
      isRunning: () => this.state === 'running',
      isPaused: () => deps.pause.isPaused(lease.partition),
      waitForResume: () => deps.pause.waitForResume(),
      onFenced: (reason) => this.lose(reason),
      onDeletedWhilePending: (entryId) =>
        deps.processor.reportSkipped({ id: entryId, partition: lease.partition }, 'deleted'),
    });
  }

  get partition(): number {
    return this.lease.partition;
  }

  /** Running or draining: the lease is still ours and kept. */
  get active(): boolean {
    return this.state === 'running' || this.state === 'revoking';
  }

  get isRevoking(): boolean {
    return this.state === 'revoking';
  }

  /** Handler runs still in progress (a partition is never taken back while this is above 0). */
  get runningHandlers(): number {
    return this.runner.running;
  }

  /** While the lease is still ours, a settlement that failed on the connection is sent again. */
  keepsSettling(): boolean {
    return this.active && this.lease.held;
  }

  start(): void {
    this.deps.keeper.keep(this.lease);
    this.reader.start();
  }

  /** Resolves once no read of this partition is in flight (after a pause, nothing more is read). */
  readsSettled(): Promise<void> {
    return this.reader.readsSettled();
  }

  /** Reading resumed: the reader goes on at once. */
  resumed(): void {
    this.reader.resumed();
  }

  /** Resolves once no handler of this worker runs any more. */
  whenIdle(): Promise<void> {
    return this.runner.whenIdle();
  }

  /**
   * Gives the partition up; resolves true when the lease was released. Several callers (a
   * rebalance, then close()) share the one revoke in progress.
   */
  revoke(): Promise<boolean> {
    this.revoking ??= this.drainAndRelease();
    return this.revoking;
  }

  /** The lease is gone (refused, past its deadline, or a fenced step): stop at once. */
  lose(reason: string): void {
    if (!this.transition('lost', reason)) return;
    this.lease.markLost();
    this.deps.keeper.forget(this.lease);
    this.handlerAbort.abort();
    this.waitAbort.abort();
    this.runner.stop();
    void this.reader.stop();
    this.deps.onFinished(this);
  }

  private async drainAndRelease(): Promise<boolean> {
    if (!this.transition('revoking', 'revoked')) return false;
    this.runner.stop();
    this.waitAbort.abort();
    // The read loop stops while the handlers drain (its connection is dropped at once).
    const readerStopped = this.reader.stop();
    let drained = await this.runner.waitIdle(this.deps.options.drainTimeoutMs);
    await readerStopped;
    if (this.state !== 'revoking') return false;
    if (!drained) {
      this.deps.logger.warn(
        { partition: this.partition, runningHandlers: this.runner.running },
        'handlers did not finish within drainTimeoutMs; aborting them',
      );
      this.handlerAbort.abort();
      drained = await this.runner.waitIdle(ABORT_GRACE_MS);
      if (this.state !== 'revoking') return false;
    }
    let released = false;
    // No renewal may land after the release: it would find the key gone and report a loss.
    this.deps.keeper.forget(this.lease);
    if (drained) {
      const release = this.lease.release().catch(() => false);
      released = (await settlesWithin(release, RELEASE_TIMEOUT_MS)) && (await release);
    } else {
      // A handler ignores its abort signal: releasing would let the next owner start while it
      // runs. Stop renewing instead: the lease lapses, and nothing is settled under it here.
      this.deps.logger.warn(
        { partition: this.partition },
        'handlers still running after abort; leaving the lease to expire',
      );
      this.lease.markLost();
    }
    this.deps.keeper.forget(this.lease);
    this.transition('stopped', released ? 'released' : 'left to expire');
    this.deps.onFinished(this);
    return released;
  }

  /** Moves to `to` when the table allows it; logs and reports it. False when not allowed. */
  private transition(to: WorkerState, reason: string): boolean {
    if (!TRANSITIONS[this.state].includes(to)) return false;
    const from = this.state;
    this.state = to;
    const { partition, epoch } = this.lease;
    const { logger, instrumentation } = this.deps;
    if (to === 'lost') {
      logger.warn({ partition, epoch, from, reason }, 'partition lost');
      instrumentation.emit('consumer.partition.lost', () => ({ partition, epoch, reason }));
    } else if (to === 'stopped') {
      logger.info({ partition, epoch, reason }, 'partition revoked');
      instrumentation.emit('consumer.partition.revoked', () => ({ partition, epoch }));
    } else {
      logger.debug({ partition, epoch, from, to, reason }, 'partition state');
    }
    return true;
  }
}
