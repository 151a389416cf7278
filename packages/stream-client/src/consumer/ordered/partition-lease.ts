import { performance } from 'node:perf_hooks';
import { pairsToRecord } from '../../admin/reply-parsing.js';
import type { RedisClient } from '../../connection/redis-connection.js';
import type { RedisKeys } from '../../keys.js';
import type { LuaScripts } from '../../scripts/lua-scripts.js';
import type { FencingLease, StreamEntry } from '../stream-entry.js';

/** What every lease of one subscription shares. */
export interface LeaseScope {
  scripts: LuaScripts;
  /**
   * Renewals and releases go on a connection of their own: a handler blocking the command
   * connection (a BLPOP on ctx.redis), or a deep backlog of acks on it, must not delay them.
   */
  keeperScripts: LuaScripts;
  keys: RedisKeys;
  topic: string;
  group: string;
  consumer: string;
  /** The lease's time to live in Redis (the session timeout). */
  ttlMs: number;
}

/**
 * How long before the end of its TTL a lease stops counting as held here: it covers the
 * difference between this process's clock rate and Redis's, and the moment between checking
 * the lease and starting a handler.
 */
export function leaseSafetyMarginMs(ttlMs: number): number {
  return Math.max(50, Math.round(ttlMs / 20));
}

/** What a fenced read of new entries found. */
export type NewEntriesRead =
  | { kind: 'entries'; entries: StreamEntry[]; lastDeliveredId: string }
  /** The lease key changed between WATCH and EXEC (our own renewal touches it too): read again. */
  | { kind: 'aborted' }
  | { kind: 'fenced' };

/**
 * One held lease on one partition: the value every fenced step compares against
 * (`<consumer>|<epoch>`), the epoch (the fencing token, it only grows), and the local
 * deadline: the send time of the last successful renewal plus the TTL, minus a safety margin.
 * Redis cannot expire the key (and so no other replica can take the partition) before that
 * moment, so a replica that starts nothing after it can never overlap with the next owner,
 * whatever its sockets do.
 *
 * Every step that touches the partition's stream for this owner lives here, each checking the
 * lease atomically in the partition's hash slot.
 */
export class PartitionLease implements FencingLease {
  readonly key: string;
  readonly value: string;
  private validUntil: number;
  private state: 'held' | 'released' | 'lost' = 'held';
  private readonly stream: string;

  constructor(
    private readonly scope: LeaseScope,
    readonly partition: number,
    readonly epoch: number,
    /** performance.now() when the acquiring call was sent. */
    acquiredSentAt: number,
  ) {
    this.key = scope.keys.lease(scope.topic, partition, scope.group);
    this.value = `${scope.consumer}|${epoch}`;
    this.stream = scope.keys.partitionStream(scope.topic, partition);
    this.validUntil = acquiredSentAt + scope.ttlMs - leaseSafetyMarginMs(scope.ttlMs);
  }

  /** Takes the partition's lease when it is free, expired or already ours (a new epoch either way). */
  static async acquire(scope: LeaseScope, partition: number): Promise<PartitionLease | undefined> {
    const sentAt = performance.now();
    const [acquired, epoch] = await scope.scripts.acquireLease(
      scope.keys.lease(scope.topic, partition, scope.group),
      scope.keys.leaseEpoch(scope.topic, partition, scope.group),
      scope.consumer,
      scope.ttlMs,
    );
    if (acquired !== 1) return undefined;
    return new PartitionLease(scope, partition, Number(epoch), sentAt);
  }

  /** Still ours to settle under: not lost, not released (Redis has the final word). */
  get held(): boolean {
    return this.state === 'held';
  }

  /** Ours and inside the local deadline: a handler may start. */
  isValid(now = performance.now()): boolean {
    return this.state === 'held' && now < this.validUntil;
  }

  /** Milliseconds until the local deadline (negative once passed). */
  msLeft(now = performance.now()): number {
    return this.validUntil - now;
  }

  /**
   * Extends the lease. 'renewed' moves the local deadline; 'lost' means Redis holds another
   * value (expired and taken, or released). A failed call throws: the deadline stays where
   * it was and decides.
   */
  async renew(): Promise<'renewed' | 'lost'> {
    const sentAt = performance.now();
    const renewed =
      (await this.scope.keeperScripts.renewLease(this.key, this.value, this.scope.ttlMs)) === 1;
    if (!renewed) return 'lost';
    const until = sentAt + this.scope.ttlMs - leaseSafetyMarginMs(this.scope.ttlMs);
    if (until > this.validUntil) this.validUntil = until;
    return 'renewed';
  }

  /** Nothing more is settled or started under this lease here; Redis lets it lapse. */
  markLost(): void {
    if (this.state === 'held') this.state = 'lost';
  }

  /** Gives the lease up so the next owner can take it at once. True when it was still ours. */
  async release(): Promise<boolean> {
    if (this.state === 'held') this.state = 'released';
    return (await this.scope.keeperScripts.releaseLease(this.key, this.value)) === 1;
  }

  /**
   * Moves every entry pending in the group on this partition to this consumer (earlier
   * owners' work), page by page. XAUTOCLAIM JUSTID: claiming is not a delivery.
   * 'fenced' when the lease is gone.
   */
  async claimPending(
    count: number,
    shouldGoOn: () => boolean,
    onDeleted: (entryId: string) => void,
  ): Promise<'done' | 'fenced'> {
    const { scripts, group, consumer } = this.scope;
    let cursor = '0-0';
    do {
      const reply = await scripts.claimFenced(
        this.stream,
        this.key,
        this.value,
        group,
        consumer,
        cursor,
        count,
      );
      if (reply === -1) return 'fenced';
      cursor = String(reply[0]);
      // Entries deleted or trimmed while pending: Redis 7 drops them from the pending list here.
      for (const deleted of reply[2] ?? []) onDeleted(String(deleted));
    } while (cursor !== '0-0' && shouldGoOn());
    return 'done';
  }

  /** Removes consumer names that hold nothing pending here (replicas of earlier deploys). */
  async forgetDepartedConsumers(): Promise<void> {
    const { scripts, group, consumer } = this.scope;
    await scripts.forgetConsumers(this.stream, this.key, this.value, group, consumer);
  }

  /**
   * This consumer's pending entries after `after` ('' for all), in stream order, without
   * counting a delivery. 'fenced' when the lease is gone.
   */
  async readPending(after: string, count: number): Promise<StreamEntry[] | 'fenced'> {
    const { scripts, group, consumer } = this.scope;
    const reply = await scripts.readPendingFenced({
      stream: this.stream,
      lease: this.key,
      runs: this.scope.keys.runs(this.scope.topic, this.partition, group),
      expectedLease: this.value,
      group,
      consumer,
      count,
      after,
    });
    if (reply === -1) return 'fenced';
    return reply.map(([id, fields, runs]) => this.entry(id.toString(), fields, Number(runs)));
  }

  /**
   * Reads new entries only while this replica owns the partition: WATCH the lease, check it,
   * then XREADGROUP inside MULTI/EXEC, which Redis aborts if the lease changed in between. A
   * replica that wakes up after losing its lease cannot take entries from the new owner.
   * (A Lua script would do the same, but turning 500 entries into Lua tables and back costs
   * Redis about three times the read itself.) A failed check (connection dropped, a master
   * restarting) throws: it is an error to retry, not a sign that another replica owns it.
   */
  async readNew(reader: RedisClient, count: number): Promise<NewEntriesRead> {
    const checked = await reader.pipeline().watch(this.key).get(this.key).exec();
    const checkError = checked
      ? (checked[0]?.[0] ?? checked[1]?.[0])
      : new Error('no reply to the lease check');
    if (checkError) {
      await reader.unwatch().catch(() => {});
      throw checkError;
    }
    if (checked?.[1]?.[1] !== this.value) {
      await reader.unwatch().catch(() => {});
      return { kind: 'fenced' };
    }
    const { group, consumer } = this.scope;
    const replies = await reader
      .multi()
      .xreadgroupBuffer('GROUP', group, consumer, 'COUNT', count, 'STREAMS', this.stream, '>')
      .exec();
    if (replies === null) return { kind: 'aborted' };
    const [[readError, read]] = replies as [[Error | null, unknown]];
    if (readError) throw readError;
    const rawEntries =
      (read as Array<[Buffer, Array<[Buffer, Buffer[] | null]>]> | null)?.[0]?.[1] ?? [];
    const entries = rawEntries.map(([id, fields]) => this.entry(id.toString(), fields));
    let lastDeliveredId = '';
    if (entries.length === 0) {
      // Where a wait for new entries starts. Asked after the read, not inside it: only the
      // owner reads through the group, so nothing moves the group's position in between.
      const groups = (await reader.xinfo('GROUPS', this.stream)) as unknown[][];
      for (const row of groups) {
        const info = pairsToRecord(row);
        if (String(info.name) === group) lastDeliveredId = String(info['last-delivered-id']);
      }
    }
    return { kind: 'entries', entries, lastDeliveredId };
  }

  /** `runs`: the handler runs started (the group's runs hash; 0 for a fresh read). */
  private entry(id: string, fields: Buffer[] | null, runs = 0): StreamEntry {
    return {
      stream: this.stream,
      partition: this.partition,
      id,
      fields: fields && fields.length > 0 ? fields : null,
      deliveryCount: 1,
      runs,
      fromRetry: false,
      lease: this,
    };
  }
}

/** Parses a lease value into its owner and epoch. */
export function parseLeaseValue(
  value: string | null,
): { owner: string; epoch: number } | undefined {
  if (!value) return undefined;
  const bar = value.lastIndexOf('|');
  if (bar < 0) return undefined;
  return { owner: value.slice(0, bar), epoch: Number(value.slice(bar + 1)) };
}
