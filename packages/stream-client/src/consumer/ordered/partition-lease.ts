import type { RedisKeys } from '../../keys.js';
import type { LuaScripts } from '../../scripts/lua-scripts.js';

/** A held lease: the value every fenced step compares against (`<consumer>|<epoch>`). */
export interface HeldLease {
  partition: number;
  epoch: number;
  value: string;
}

/**
 * Ownership of one partition for one group, with an epoch that grows on every acquisition
 * (the fencing token). The lease is a key with a TTL, renewed by the owner's heartbeat.
 */
export class PartitionLeases {
  constructor(
    private readonly scripts: LuaScripts,
    private readonly keys: RedisKeys,
    private readonly topic: string,
    private readonly group: string,
    private readonly consumer: string,
    private readonly ttlMs: number,
  ) {}

  leaseKey(partition: number): string {
    return this.keys.lease(this.topic, partition, this.group);
  }

  async acquire(partition: number): Promise<HeldLease | undefined> {
    const [acquired, value] = await this.scripts.acquireLease(
      this.leaseKey(partition),
      this.keys.leaseEpoch(this.topic, partition, this.group),
      this.consumer,
      this.ttlMs,
    );
    if (acquired !== 1) return undefined;
    const epoch = Number(value);
    return { partition, epoch, value: `${this.consumer}|${epoch}` };
  }

  async renew(lease: HeldLease): Promise<boolean> {
    return (
      (await this.scripts.renewLease(this.leaseKey(lease.partition), lease.value, this.ttlMs)) === 1
    );
  }

  async release(lease: HeldLease): Promise<boolean> {
    return (await this.scripts.releaseLease(this.leaseKey(lease.partition), lease.value)) === 1;
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
