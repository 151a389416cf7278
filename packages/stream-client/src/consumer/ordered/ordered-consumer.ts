import type { Logger } from 'pino';
import type { RedisClient } from '../../connection/redis-connection.js';
import { LuaScripts } from '../../scripts/lua-scripts.js';
import { ConcurrencyGate } from '../concurrency-gate.js';
import type { ConsumerMetrics } from '../consumer-metrics.js';
import type { ConsumerMode } from '../consumer-mode.js';
import type { ConsumerRuntime } from '../consumer-runtime.js';
import { EntryProcessor } from '../entry-processor.js';
import { ensureGroup } from '../group-recovery.js';
import { InFlightCounter } from '../in-flight-counter.js';
import type { Instrumentation } from '../instrumentation.js';
import { PauseControl } from '../pause-control.js';
import { FencedSettlement } from '../settlement/fenced-settlement.js';
import { settlesWithin } from '../settles-within.js';
import { type ResolvedSubscribeOptions, startPositionId } from '../subscribe-options.js';
import { type Assignor, StickyAssignor } from './assignor.js';
import { GroupMembership } from './group-membership.js';
import { LeaseKeeper } from './lease-keeper.js';
import { type LeaseScope, PartitionLease, parseLeaseValue } from './partition-lease.js';
import { PartitionWorker } from './partition-worker.js';

/** How long close() waits for Redis to take this replica out of the registry. */
const LEAVE_TIMEOUT_MS = 2000;
/** How long close() waits for settlements still on their way. */
const SETTLE_DRAIN_TIMEOUT_MS = 1000;

/**
 * How long the registry may hear no member before it counts a lapse. A live member's entry can
 * expire in a silence longer than the session timeout less one interval (its last heartbeat
 * may have come an interval before the silence began), so no longer than that; and not much
 * shorter than half a session, where a group's ordinary gaps between heartbeats would count.
 */
function lapseAfterMs(options: { sessionTimeoutMs: number; heartbeatIntervalMs: number }) {
  const { sessionTimeoutMs, heartbeatIntervalMs } = options;
  return Math.min(
    sessionTimeoutMs - heartbeatIntervalMs,
    Math.max(2 * heartbeatIntervalMs, sessionTimeoutMs / 2),
  );
}

/**
 * `ordering: 'key'`: each partition of the topic is owned by one live replica of the group at
 * a time. Members heartbeat into a registry; every heartbeat each member computes the target
 * assignment (a deterministic, sticky function of the live members and current owners), gives
 * up partitions that are no longer its own (drain, then release) and takes the ones that are
 * (only once their lease is free or expired, and never while handlers of its own previous
 * ownership of that partition still run). Leases are renewed by the LeaseKeeper on their own
 * clock; every read and settlement is fenced by the lease epoch.
 */
export class OrderedConsumer implements ConsumerMode {
  /** Partitions owned now (running or draining). */
  private readonly workers = new Map<number, PartitionWorker>();
  /** Workers that stopped or lost their partition while handlers of theirs still run. */
  private readonly retiring = new Set<PartitionWorker>();
  /** Set by start(), with the connection that renews leases. */
  private leaseScope: LeaseScope | undefined;
  private keeperClient: RedisClient | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private readonly keeper: LeaseKeeper;
  private readonly assignor: Assignor;
  private readonly membership: GroupMembership;
  private readonly gate: ConcurrencyGate;
  private readonly inFlight = new InFlightCounter();
  private readonly pause = new PauseControl();
  private readonly settlement: FencedSettlement;
  private readonly processor: EntryProcessor;
  private readonly log: Logger;
  private partitions = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private closing: Promise<void> | undefined;
  private lastMembers = '';
  private rebalanceStartedAt: number | undefined;
  private blockedKeys = 0;
  private heartbeatFailures = 0;
  /** Handlers stopped making progress: out of the group until they end. */
  private stalled = false;
  /** Waiting for this replica to own what the assignment gives it (whenAssigned). */
  private assignmentWaiters: Array<(owned: number[]) => void> = [];

  constructor(
    private readonly runtime: ConsumerRuntime,
    private readonly options: ResolvedSubscribeOptions<unknown>,
    private readonly instrumentation: Instrumentation,
    private readonly metrics: ConsumerMetrics,
  ) {
    this.log = runtime.logger;
    this.assignor = options.assignor ?? new StickyAssignor();
    this.membership = new GroupMembership(options.sessionTimeoutMs);
    this.gate = new ConcurrencyGate(options.concurrency);
    this.keeper = new LeaseKeeper(
      options.heartbeatIntervalMs,
      (lease, reason) => this.workerHolding(lease)?.lose(reason),
      this.log,
    );
    this.settlement = new FencedSettlement(runtime.scripts, runtime.keys, options);
    this.processor = new EntryProcessor({
      options,
      codec: runtime.codec,
      keys: runtime.keys,
      redis: runtime.connection.commands,
      logger: this.log,
      instrumentation,
      metrics,
      settlement: this.settlement,
      retryMode: 'in-place',
      keepSettling: (entry) =>
        entry.lease !== undefined && this.workerHolding(entry.lease)?.keepsSettling() === true,
    });
  }

  get inFlightCount(): number {
    return this.inFlight.entries;
  }

  get ownedPartitions(): number[] {
    return [...this.workers.values()]
      .filter((worker) => !worker.isRevoking)
      .map((worker) => worker.partition)
      .sort((a, b) => a - b);
  }

  get pausedPartitions(): number[] | 'all' {
    return this.pause.isPaused() ? 'all' : this.pause.pausedPartitions;
  }

  /**
   * Stops reading the subscription (no partitions given) or some partitions, owned now or
   * later; resolves once no read of them is in flight. Leases are renewed and heartbeats go
   * on, so no partition moves; entries already read are handled and settled.
   */
  async pauseReading(partitions?: readonly number[]): Promise<void> {
    this.pause.pause(partitions);
    const affected = [...this.workers.values()].filter((worker) =>
      this.pause.isPaused(worker.partition),
    );
    await Promise.all(affected.map((worker) => worker.readsSettled()));
  }

  /**
   * Resolves at the end of the next heartbeat after which this replica owns exactly what the
   * assignment of the current members gives it (possibly nothing, with more replicas than
   * partitions).
   */
  whenAssigned(): Promise<number[]> {
    return new Promise((resolve) => this.assignmentWaiters.push(resolve));
  }

  resumeReading(partitions?: readonly number[]): void {
    this.pause.resume(partitions);
    for (const worker of this.workers.values())
      if (!this.pause.isPaused(worker.partition)) worker.resumed();
  }

  async start(): Promise<void> {
    const { topics, keys, connection } = this.runtime;
    const info = await topics.requireTopic(this.options.topic, this.options.partitions);
    this.partitions = info.partitions;
    const startId = startPositionId(this.options.startFrom);
    for (let partition = 0; partition < info.partitions; partition++) {
      await ensureGroup(
        connection.commands,
        keys.partitionStream(this.options.topic, partition),
        this.options.group,
        startId,
      );
    }
    await connection.commands.sadd(keys.groups(this.options.topic), this.options.group);
    const keeperClient = await connection.createReader('leases');
    this.keeperClient = keeperClient;
    // Closed while starting: start nothing that would outlive close().
    if (this.stopping) return void connection.closeReader(keeperClient);
    this.leaseScope = {
      scripts: this.runtime.scripts,
      keeperScripts: new LuaScripts(keeperClient),
      keys,
      topic: this.options.topic,
      group: this.options.group,
      consumer: this.options.consumer,
      ttlMs: this.options.sessionTimeoutMs,
    };
    this.keeper.start();
    // On its own timer: a heartbeat stuck on an unanswered command must not stop it.
    this.progressTimer = setInterval(() => this.checkProgress(), this.options.heartbeatIntervalMs);
    this.progressTimer.unref();
    this.schedule(0);
  }

  /**
   * Leaves the registry, drains and releases every partition (one revoke per partition, shared
   * with a rebalance already revoking it). Bounded whether or not Redis answers: what could not
   * be settled stays pending for the next owner.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.stopping = true;
    // Their subscription rejects them on close; nothing more would resolve them.
    this.assignmentWaiters = [];
    clearTimeout(this.timer);
    clearInterval(this.progressTimer);
    // A heartbeat in flight checks `stopping` before it takes a partition, and a lease that
    // arrives after this point is released at once, so it need not be waited for.
    const leave = this.runtime.connection.commands
      .zrem(this.membersKey, this.options.consumer)
      .catch(() => 0);
    await Promise.all([
      settlesWithin(leave, LEAVE_TIMEOUT_MS),
      ...[...this.workers.values()].map((worker) => worker.revoke().catch(() => false)),
      // Handlers of partitions lost earlier (their signal already aborted) get the same drain.
      settlesWithin(
        Promise.all([...this.retiring].map((worker) => worker.whenIdle())),
        this.options.drainTimeoutMs,
      ),
    ]);
    this.keeper.stop();
    await settlesWithin(this.settlement.drain(), SETTLE_DRAIN_TIMEOUT_MS);
    if (this.keeperClient) await this.runtime.connection.closeReader(this.keeperClient);
    this.workers.clear();
    this.metrics.setOwnedPartitions(0);
    this.metrics.setInFlight(0);
  }

  private schedule(delayMs = this.options.heartbeatIntervalMs): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      void this.tick()
        .then(
          () => {
            this.heartbeatFailures = 0;
          },
          (error: unknown) => {
            if (++this.heartbeatFailures === 1) {
              this.log.warn({ err: error }, 'heartbeat failed; retrying');
              this.instrumentation.emit('consumer.connection.error', () => ({
                error: error as Error,
              }));
            }
          },
        )
        .finally(() => this.schedule());
    }, delayMs);
    this.timer.unref();
  }

  /** One heartbeat: refresh membership, converge to the target assignment. */
  private async tick(): Promise<void> {
    if (this.stopping) return;
    this.metrics.setInFlight(this.inFlight.entries);
    if (this.stalled) return;
    const { scripts, keys, connection } = this.runtime;
    const [nowMs, lapseFromMs, lapseToMs, ...registered] = await scripts.heartbeat({
      members: this.membersKey,
      pulse: keys.membersPulse(this.options.topic, this.options.group),
      member: this.options.consumer,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      lapseAfterMs: lapseAfterMs(this.options),
    });
    if (this.stopping) return;

    // Separate GETs, not one pipeline: leases live in different slots on a cluster;
    // auto-pipelining still sends them together (per node).
    const leaseValues = await Promise.all(
      Array.from({ length: this.partitions }, (_, partition) =>
        connection.commands.get(keys.lease(this.options.topic, partition, this.options.group)),
      ),
    );
    const owners = leaseValues.map((value) => parseLeaseValue(value)?.owner);
    // A replica that holds a lease is alive: it renews it on its own clock, with the same
    // session timeout. Counting lease holders as members (and, right after the registry was
    // out of reach, the members seen before) keeps the assignment still when the registry is
    // what failed instead of moving partitions between replicas that never went away.
    const members = this.membership.observe(
      {
        nowMs,
        registered,
        lapse: lapseToMs > 0 ? { fromMs: lapseFromMs, toMs: lapseToMs } : undefined,
      },
      owners.filter((owner) => owner !== undefined),
    );
    const membersKey = members.join(',');
    if (membersKey !== this.lastMembers) {
      this.lastMembers = membersKey;
      this.rebalanceStartedAt = Date.now();
    }
    const current = new Map<number, string>();
    owners.forEach((owner, partition) => {
      if (owner !== undefined) current.set(partition, owner);
    });

    const target = new Set(
      this.assignor
        .assign({ members, partitions: this.partitions, current })
        .get(this.options.consumer) ?? [],
    );
    for (const worker of this.workers.values()) {
      if (!target.has(worker.partition) && !worker.isRevoking) void worker.revoke();
    }
    await Promise.all(
      [...target]
        .filter((partition) => !this.workers.has(partition) && !this.isRetiring(partition))
        .map((partition) => this.acquire(partition)),
    );
    if (this.stopping) return;
    const owned = this.ownedPartitions;
    this.metrics.setOwnedPartitions(owned.length);
    if (owned.join(',') === [...target].sort((a, b) => a - b).join(',')) {
      const waiters = this.assignmentWaiters;
      this.assignmentWaiters = [];
      for (const resolve of waiters) resolve(owned);
    }
    if (
      this.rebalanceStartedAt !== undefined &&
      owned.join(',') === [...target].sort((a, b) => a - b).join(',')
    ) {
      const durationMs = Date.now() - this.rebalanceStartedAt;
      this.rebalanceStartedAt = undefined;
      this.metrics.recordRebalance(durationMs);
      this.instrumentation.emit('consumer.rebalance', () => ({
        members,
        assigned: owned,
        durationMs,
      }));
      this.log.info({ members, assigned: owned, durationMs }, 'rebalance complete');
    }
  }

  /** True while handlers are stuck: this replica then stays out of the group. */
  private checkProgress(): boolean {
    if (this.stopping) return false;
    if (!this.stalled && this.processor.stallFound('leaving the group until they do')) {
      this.stalled = true;
      void this.runtime.connection.commands
        .zrem(this.membersKey, this.options.consumer)
        .catch(() => {});
      // Not a drain: the handlers are stuck. The leases lapse (they are no longer renewed)
      // and the partitions go to the others; nothing is taken back while these still run.
      for (const worker of [...this.workers.values()]) worker.lose('handlers stalled');
    } else if (this.stalled && this.retiring.size === 0 && this.processor.runningHandlers === 0) {
      this.stalled = false;
      this.log.info('stalled handlers ended; joining the group again');
    }
    return this.stalled;
  }

  /** The worker of this replica that holds `lease` now (not a later lease of its partition). */
  private workerHolding(lease: { partition: number }): PartitionWorker | undefined {
    const worker = this.workers.get(lease.partition);
    return worker?.lease === lease ? worker : undefined;
  }

  private get membersKey(): string {
    return this.runtime.keys.members(this.options.topic, this.options.group);
  }

  private isRetiring(partition: number): boolean {
    for (const worker of this.retiring) if (worker.partition === partition) return true;
    return false;
  }

  private async acquire(partition: number): Promise<void> {
    let lease: PartitionLease | undefined;
    try {
      if (!this.leaseScope) return;
      lease = await PartitionLease.acquire(this.leaseScope, partition);
    } catch (error) {
      this.log.debug(
        { err: error, partition },
        'lease acquisition failed; retrying next heartbeat',
      );
      return;
    }
    if (!lease) return;
    if (this.stopping || this.stalled || this.workers.has(partition)) {
      // The answer came after close() (or a stall) began: give it straight back.
      await lease.release().catch(() => {});
      return;
    }
    const worker = new PartitionWorker(lease, {
      runtime: this.runtime,
      options: this.options,
      processor: this.processor,
      settlement: this.settlement,
      gate: this.gate,
      inFlight: this.inFlight,
      instrumentation: this.instrumentation,
      logger: this.log,
      keeper: this.keeper,
      pause: this.pause,
      onBlockedKeysChanged: (delta) => {
        this.blockedKeys += delta;
        this.metrics.setBlockedKeys(this.blockedKeys);
      },
      onFinished: (finished) => this.workerFinished(finished),
    });
    this.workers.set(partition, worker);
    worker.start();
    this.instrumentation.emit('consumer.partition.assigned', () => ({
      partition,
      epoch: lease.epoch,
    }));
    this.log.info({ partition, epoch: lease.epoch }, 'partition assigned');
  }

  /** A worker stopped or lost its partition: it is taken again only once its handlers end. */
  private workerFinished(worker: PartitionWorker): void {
    if (this.workers.get(worker.partition) === worker) this.workers.delete(worker.partition);
    if (worker.runningHandlers === 0) return;
    this.retiring.add(worker);
    void worker.whenIdle().then(() => this.retiring.delete(worker));
  }
}
