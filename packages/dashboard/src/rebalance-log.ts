import type { PartitionMove, Rebalance } from './dashboard-view.js';
import { RingBuffer } from './ring-buffer.js';

/** Moves closer together than this belong to one rebalance (leases move over a few heartbeats). */
const SETTLE_MS = 5000;

type Ownership = Map<number, { owner: string | null; epoch: number | null }>;

/**
 * Watches each group's partition owners and lease epochs from snapshot to snapshot and keeps
 * the recent changes as rebalances: when, which partitions moved from whom to whom, and who
 * owned the group afterwards.
 */
export class RebalanceLog {
  private readonly owners = new Map<string, Ownership>();
  private readonly open = new Map<string, Rebalance>();
  private readonly log: RingBuffer<Rebalance>;

  constructor(capacity = 100) {
    this.log = new RingBuffer(capacity);
  }

  observe(
    topic: string,
    group: string,
    at: number,
    partitions: Array<{ partition: number; owner: string | null; epoch: number | null }>,
  ): void {
    const id = `${topic}/${group}`;
    const previous = this.owners.get(id);
    const current: Ownership = new Map(
      partitions.map(({ partition, owner, epoch }) => [partition, { owner, epoch }]),
    );
    this.owners.set(id, current);
    // The first look is the starting state, not a rebalance.
    if (!previous) return;
    const moved: PartitionMove[] = [];
    for (const [partition, now] of current) {
      const before = previous.get(partition);
      if (before?.owner === now.owner && before?.epoch === now.epoch) continue;
      // A lease that lapsed and came back to the same owner with no new epoch is no move.
      if (!before && now.owner === null) continue;
      moved.push({ partition, from: before?.owner ?? null, to: now.owner, epoch: now.epoch });
    }
    if (moved.length === 0) return;
    const members = [...new Set([...current.values()].map((row) => row.owner))]
      .filter((owner): owner is string => owner !== null)
      .sort();
    const running = this.open.get(id);
    // One rebalance goes on while its moves come close together, and a partition moves again
    // only to get the owner its lapsed lease was waiting for. A partition that moves away
    // from the owner the rebalance gave it is the next rebalance (a replica that joined, then died).
    const continues =
      running !== undefined &&
      at - running.until <= SETTLE_MS &&
      moved.every((move) => {
        const earlier = running.moved.find((row) => row.partition === move.partition);
        return !earlier || earlier.to === null;
      });
    if (running && continues) {
      for (const move of moved) {
        const earlier = running.moved.find((row) => row.partition === move.partition);
        if (earlier) Object.assign(earlier, { to: move.to, epoch: move.epoch });
        else running.moved.push(move);
      }
      running.moved.sort((a, b) => a.partition - b.partition);
      running.until = at;
      running.members = members;
      return;
    }
    const rebalance: Rebalance = { topic, group, at, until: at, members, moved };
    this.open.set(id, rebalance);
    this.log.push(rebalance);
  }

  /** Recent rebalances, oldest first. */
  list(): Rebalance[] {
    return this.log.toArray();
  }
}
