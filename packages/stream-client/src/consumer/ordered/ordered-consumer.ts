import type { Logger } from 'pino';
import { FencedError } from '../../errors.js';
import { ScriptStatus } from '../../scripts/script-status.js';
import { AckBatcher } from '../ack-batcher.js';
import { ConcurrencyGate } from '../concurrency-gate.js';
import type { ConsumerMetrics } from '../consumer-metrics.js';
import type { ConsumerRuntime } from '../consumer-runtime.js';
import { deadLetterFields } from '../dead-letter-fields.js';
import { EntryProcessor, type Settlement } from '../entry-processor.js';
import { ensureGroup } from '../group-setup.js';
import { InFlightCounter } from '../in-flight-counter.js';
import type { Instrumentation } from '../instrumentation.js';
import { settlesWithin } from '../settles-within.js';
import type { StreamEntry } from '../stream-entry.js';
import { type ResolvedSubscribeOptions, startPositionId } from '../subscribe-options.js';
import { type Assignor, StickyAssignor } from './assignor.js';
import { PartitionLeases, parseLeaseValue } from './partition-lease.js';
import { PartitionWorker } from './partition-worker.js';

/**
 * `ordering: 'key'`: each partition of the topic is owned by one live replica of the group at
 * a time. Members heartbeat into a registry; every heartbeat each member computes the target
 * assignment (a deterministic, sticky function of the live members and current owners), gives
 * up partitions that are no longer its own (drain, then release) and takes the ones that are
 * (only once their lease is free or expired). Every read and ack is fenced by the lease epoch.
 */
export class OrderedConsumer {
  private readonly workers = new Map<number, PartitionWorker>();
  private readonly leases: PartitionLeases;
  private readonly assignor: Assignor;
  private readonly gate: ConcurrencyGate;
  private readonly inFlight = new InFlightCounter();
  private readonly processor: EntryProcessor;
  private readonly fencedAcks: AckBatcher;
  private readonly log: Logger;
  private partitions = 0;
  private timer: NodeJS.Timeout | undefined;
  private tickRunning: Promise<void> | undefined;
  private stopping = false;
  private lastMembers = '';
  private rebalanceStartedAt: number | undefined;
  private blockedKeys = 0;

  constructor(
    private readonly runtime: ConsumerRuntime,
    private readonly options: ResolvedSubscribeOptions<unknown>,
    private readonly instrumentation: Instrumentation,
    private readonly metrics: ConsumerMetrics,
  ) {
    this.log = runtime.logger;
    this.assignor = options.assignor ?? new StickyAssignor();
    this.gate = new ConcurrencyGate(options.concurrency);
    this.leases = new PartitionLeases(
      runtime.scripts,
      runtime.keys,
      options.topic,
      options.group,
      options.consumer,
      options.sessionTimeoutMs,
    );
    // Acks of one tick for a partition and lease go out as one fenced script call.
    this.fencedAcks = new AckBatcher(async (batchKey, ids) => {
      const { stream, leaseValue } = parseAckBatchKey(batchKey);
      const partition = this.partitionOfStream(stream);
      const result = await runtime.scripts.ackFenced(
        stream,
        this.leases.leaseKey(partition),
        leaseValue,
        options.group,
        ids,
      );
      if (result === ScriptStatus.FENCED) throw new FencedError(options.topic, partition, -1);
    });
    this.processor = new EntryProcessor({
      options,
      codec: runtime.codec,
      keys: runtime.keys,
      redis: runtime.connection.commands,
      logger: this.log,
      instrumentation,
      metrics,
      settlement: this.settlement(),
      retryMode: 'in-place',
      fencingToken: (partition) => this.workers.get(partition)?.lease.epoch,
    });
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get ownedPartitions(): number[] {
    return [...this.workers.values()]
      .filter((worker) => worker.active && !worker.revoking)
      .map((worker) => worker.partition)
      .sort((a, b) => a - b);
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
    // The first heartbeat runs right after subscribe() returns, so listeners attached to the
    // subscription see the initial partition assignment too.
    this.schedule(0);
  }

  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.timer);
    // A heartbeat stuck on an unanswered command must not hold the shutdown; it checks
    // `stopping` before taking any partition, so letting it finish later is harmless.
    if (this.tickRunning) await settlesWithin(this.tickRunning, this.options.sessionTimeoutMs);
    // Leave the registry first so the others rebalance at their next heartbeat, then drain and
    // release: they take the partitions as soon as each lease is released.
    await this.runtime.connection.commands
      .zrem(
        this.runtime.keys.members(this.options.topic, this.options.group),
        this.options.consumer,
      )
      .catch(() => {});
    await Promise.all(
      [...this.workers.values()].map((worker) => worker.revoke().catch(() => false)),
    );
    await this.fencedAcks.drain();
    this.workers.clear();
    this.metrics.setOwnedPartitions(0);
  }

  private schedule(delayMs = this.options.heartbeatIntervalMs): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.tickRunning = this.tick()
        .catch((error: unknown) => this.log.warn({ err: error }, 'heartbeat failed; retrying'))
        .finally(() => this.schedule());
    }, delayMs);
    this.timer.unref();
  }

  /** One heartbeat: refresh membership, renew leases, converge to the target assignment. */
  private async tick(): Promise<void> {
    if (this.stopping) return;
    const { scripts, keys, connection } = this.runtime;
    const [, ...members] = await scripts.heartbeat(
      keys.members(this.options.topic, this.options.group),
      this.options.consumer,
      this.options.sessionTimeoutMs,
    );
    await this.renewLeases();

    const membersKey = members.join(',');
    if (membersKey !== this.lastMembers) {
      this.lastMembers = membersKey;
      this.rebalanceStartedAt = Date.now();
    }

    // Separate GETs, not one pipeline: leases live in different slots on a cluster;
    // auto-pipelining still sends them together (per node).
    const leaseValues = await Promise.all(
      Array.from({ length: this.partitions }, (_, partition) =>
        connection.commands.get(this.leases.leaseKey(partition)),
      ),
    );
    const live = new Set(members);
    const current = new Map<number, string>();
    leaseValues.forEach((value, partition) => {
      const owner = parseLeaseValue(value)?.owner;
      if (owner !== undefined && live.has(owner)) current.set(partition, owner);
    });

    const target = new Set(
      this.assignor
        .assign({ members, partitions: this.partitions, current })
        .get(this.options.consumer) ?? [],
    );
    for (const [partition, worker] of this.workers) {
      if (!target.has(partition) && worker.active && !worker.revoking) void this.revoke(worker);
    }
    // A worker that lost its partition (a fenced read or ack) is finished: forget it, so the
    // partition is acquired again (a new epoch) while the assignment still gives it to us.
    for (const [partition, worker] of this.workers) {
      if (!worker.active) this.workers.delete(partition);
    }
    for (const partition of target) {
      if (this.stopping) return;
      if (this.workers.has(partition)) continue;
      await this.acquire(partition);
    }
    this.metrics.setOwnedPartitions(this.ownedPartitions.length);
    if (
      this.rebalanceStartedAt !== undefined &&
      this.ownedPartitions.join(',') === [...target].sort((a, b) => a - b).join(',')
    ) {
      const durationMs = Date.now() - this.rebalanceStartedAt;
      this.rebalanceStartedAt = undefined;
      this.metrics.recordRebalance(durationMs);
      this.instrumentation.emit('consumer.rebalance', () => ({
        members,
        assigned: this.ownedPartitions,
        durationMs,
      }));
      this.log.info({ members, assigned: this.ownedPartitions, durationMs }, 'rebalance complete');
    }
  }

  private async renewLeases(): Promise<void> {
    await Promise.all(
      [...this.workers.values()].map(async (worker) => {
        if (!worker.active) return;
        const renewed = await this.leases.renew(worker.lease);
        if (!renewed) {
          this.log.warn(
            { partition: worker.partition, epoch: worker.lease.epoch },
            'lease expired or taken over: partition lost',
          );
          this.instrumentation.emit('consumer.partition.lost', () => ({
            partition: worker.partition,
            epoch: worker.lease.epoch,
            reason: 'lease expired',
          }));
          worker.lose();
          this.workers.delete(worker.partition);
        }
      }),
    );
  }

  private async acquire(partition: number): Promise<void> {
    const lease = await this.leases.acquire(partition);
    if (!lease) return;
    const worker = new PartitionWorker(lease, {
      runtime: this.runtime,
      options: this.options,
      processor: this.processor,
      gate: this.gate,
      inFlight: this.inFlight,
      instrumentation: this.instrumentation,
      logger: this.log,
      partitions: this.partitions,
      onBlockedKeysChanged: (delta) => {
        this.blockedKeys += delta;
        this.metrics.setBlockedKeys(this.blockedKeys);
      },
    });
    this.workers.set(partition, worker);
    worker.start();
    this.instrumentation.emit('consumer.partition.assigned', () => ({
      partition,
      epoch: lease.epoch,
    }));
    this.log.info({ partition, epoch: lease.epoch }, 'partition assigned');
  }

  private async revoke(worker: PartitionWorker): Promise<void> {
    const released = await worker.revoke();
    if (this.workers.get(worker.partition) === worker) this.workers.delete(worker.partition);
    this.instrumentation.emit('consumer.partition.revoked', () => ({
      partition: worker.partition,
      epoch: worker.lease.epoch,
    }));
    this.log.info(
      { partition: worker.partition, epoch: worker.lease.epoch, released },
      'partition revoked',
    );
  }

  private settlement(): Settlement {
    const { scripts, keys } = this.runtime;
    const { topic, group, consumer, deadLetterMaxLen } = this.options;
    // The lease the entry was read under, while this replica still holds it.
    const leaseValue = (entry: StreamEntry) => {
      const worker = this.workers.get(entry.partition);
      const value = entry.leaseValue ?? worker?.lease.value;
      if (!worker?.active || worker.lease.value !== value)
        throw new FencedError(topic, entry.partition, worker?.lease.epoch ?? -1);
      return value;
    };
    return {
      ack: (entry) => {
        let value: string;
        try {
          value = leaseValue(entry);
        } catch (error) {
          return Promise.reject(error);
        }
        return this.fencedAcks.add(ackBatchKey(entry.stream, value), entry.id);
      },
      ackAndMark: async (entry, eventId, effects) => {
        let expectedLease: string;
        try {
          expectedLease = leaseValue(entry);
        } catch {
          return ScriptStatus.FENCED;
        }
        return scripts.ackAndMark({
          stream: entry.stream,
          doneMarkers: keys.doneMarkers(topic, entry.partition, group),
          lease: this.leases.leaseKey(entry.partition),
          effectKeys: effects.keys,
          group,
          entryId: entry.id,
          eventId,
          windowMs: this.options.dedupeWindowMs,
          expectedLease,
          effects: effects.commands,
        });
      },
      deadLetter: async (entry, reason, error, attempts) => {
        const result = await scripts.deadLetter({
          stream: entry.stream,
          deadLetters: keys.deadLetters(topic, entry.partition),
          lease: this.leases.leaseKey(entry.partition),
          group,
          entryId: entry.id,
          expectedLease: leaseValue(entry),
          maxLength: deadLetterMaxLen,
          fields: deadLetterFields(entry, { reason, error, attempts, group, consumer }),
        });
        if (result === ScriptStatus.FENCED) throw new FencedError(topic, entry.partition, -1);
      },
    };
  }

  private partitionOfStream(stream: string): number {
    for (let partition = 0; partition < this.partitions; partition++) {
      if (this.runtime.keys.partitionStream(this.options.topic, partition) === stream)
        return partition;
    }
    return -1;
  }
}

/** Acks are batched per stream and lease value: one fenced call checks one lease. */
function ackBatchKey(stream: string, leaseValue: string): string {
  return `${leaseValue}\n${stream}`;
}

function parseAckBatchKey(batchKey: string): { stream: string; leaseValue: string } {
  const newline = batchKey.lastIndexOf('\n');
  return { leaseValue: batchKey.slice(0, newline), stream: batchKey.slice(newline + 1) };
}
