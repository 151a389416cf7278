import { InvalidOptionError } from '../errors.js';

/** How often a paused reader looks whether it should still be reading at all. */
const RESUME_POLL_MS = 250;

/**
 * What `subscription.pause()` stopped reading: the whole subscription, or (ordering key) some
 * partitions. Reading stops; nothing else does: leases are renewed, heartbeats go on, and
 * entries already read are handled and settled (their retries included).
 */
export class PauseControl {
  private all = false;
  private readonly partitions = new Set<number>();
  private readonly waiters = new Set<() => void>();

  /** Partitions paused one by one (a whole-subscription pause is `isPaused()`). */
  get pausedPartitions(): number[] {
    return [...this.partitions].sort((a, b) => a - b);
  }

  /** The whole subscription, or `partition` (alone or through a whole pause), is paused. */
  isPaused(partition?: number): boolean {
    return this.all || (partition !== undefined && this.partitions.has(partition));
  }

  pause(partitions?: readonly number[]): void {
    if (partitions === undefined) this.all = true;
    else for (const partition of checked(partitions)) this.partitions.add(partition);
  }

  /** Without partitions: everything resumes, partitions paused one by one included. */
  resume(partitions?: readonly number[]): void {
    if (partitions === undefined) {
      this.all = false;
      this.partitions.clear();
    } else for (const partition of checked(partitions)) this.partitions.delete(partition);
    for (const wake of [...this.waiters]) wake();
  }

  /**
   * Resolves once reading may resume, or after `pollMs` at the latest so the caller can look
   * at whether it should still be reading at all (it stopped, lost the partition).
   */
  waitForResume(pollMs = RESUME_POLL_MS): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, pollMs);
      timer.unref();
      this.waiters.add(done);
    });
  }
}

function checked(partitions: readonly number[]): readonly number[] {
  if (!Array.isArray(partitions))
    throw new InvalidOptionError('partitions', 'an array of partition numbers', partitions);
  for (const partition of partitions)
    if (!Number.isInteger(partition) || partition < 0)
      throw new InvalidOptionError('partitions', 'partition numbers (integers >= 0)', partition);
  return partitions;
}
