import type { Logger } from 'pino';
import type { PartitionLease } from './partition-lease.js';

export type LeaseLossReason = 'lease taken over' | 'lease deadline passed';

interface Kept {
  renewing: boolean;
  deadline: NodeJS.Timeout | undefined;
}

/**
 * Renews every lease this replica holds on its own timer, independent of the membership
 * heartbeat: the members key lives on one master, the leases on many, and a stalled or
 * failing-over master must cost only the leases it holds. Each lease is renewed on its own
 * (a renewal that hangs holds up no other), and a timer at each lease's local deadline
 * reports it lost when no renewal got through in time.
 *
 * A lease stays kept from acquisition until the worker is done with it: through a drain, so a
 * graceful handover never lets the lease lapse under a running handler.
 */
export class LeaseKeeper {
  private readonly kept = new Map<PartitionLease, Kept>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly onLost: (lease: PartitionLease, reason: LeaseLossReason) => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.renewAll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const lease of [...this.kept.keys()]) this.forget(lease);
  }

  keep(lease: PartitionLease): void {
    if (this.kept.has(lease)) return;
    const kept: Kept = { renewing: false, deadline: undefined };
    this.kept.set(lease, kept);
    this.armDeadline(lease, kept);
  }

  /** Stops renewing (released, or lost: either way not ours to extend any more). */
  forget(lease: PartitionLease): void {
    const kept = this.kept.get(lease);
    if (!kept) return;
    clearTimeout(kept.deadline);
    this.kept.delete(lease);
  }

  private renewAll(): void {
    for (const [lease, kept] of this.kept) {
      if (kept.renewing) continue;
      kept.renewing = true;
      lease
        .renew()
        .then(
          (result) => {
            if (!this.kept.has(lease)) return;
            if (result === 'lost') this.lose(lease, 'lease taken over');
            else this.armDeadline(lease, kept);
          },
          (error: unknown) =>
            // The deadline timer decides: a renewal that fails once in a while is harmless.
            this.logger.debug(
              { err: error, partition: lease.partition },
              'lease renewal failed; retrying',
            ),
        )
        .finally(() => {
          kept.renewing = false;
        });
    }
  }

  private armDeadline(lease: PartitionLease, kept: Kept): void {
    clearTimeout(kept.deadline);
    kept.deadline = setTimeout(
      () => {
        if (!this.kept.has(lease)) return;
        if (lease.isValid()) this.armDeadline(lease, kept);
        else this.lose(lease, 'lease deadline passed');
      },
      Math.max(1, lease.msLeft()),
    );
    kept.deadline.unref();
  }

  private lose(lease: PartitionLease, reason: LeaseLossReason): void {
    this.forget(lease);
    this.onLost(lease, reason);
  }
}
