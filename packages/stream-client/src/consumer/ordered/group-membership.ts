/** What the registry's heartbeat answered (heartbeat-2.lua), server times in ms. */
export interface RegistryAnswer {
  nowMs: number;
  /** Live entries. */
  registered: readonly string[];
  /** The registry's last lapse (no member heard for long enough), or undefined. */
  lapse: { fromMs: number; toMs: number } | undefined;
}

/**
 * Who is in an ordered group, as this replica sees it at each heartbeat: the members the
 * registry lists, every replica that holds a lease, and, just after the registry lapsed, the
 * members seen shortly before the lapse.
 *
 * Why the last part: the registry is one sorted set on one master, each entry expiring a
 * session timeout after its member's last heartbeat. When that master stalls or fails over for
 * longer than the session timeout, every entry in it expires at once, live members' included;
 * a replica whose leases all lived on the same master then holds none either, and looks gone.
 * The first members to heartbeat after the outage would hand its partitions to themselves, and
 * once it registered again a second rebalance would take partitions from the others (on
 * masters that never failed) to give it its share back: partitions moving between replicas
 * that never went away. So for two session timeouts after a lapse (enough for every live
 * member's client to reach the promoted master and heartbeat again), members seen within a
 * session timeout before the lapse stay members. The registry judges the lapse across all
 * members (its pulse), so one replica's own stall or lost connection opens no window. A member
 * that really died in the outage leaves the view when the window closes: its partitions move
 * up to two session timeouts later than they would otherwise.
 */
export class GroupMembership {
  /** Server time of the last heartbeat that listed each member (registered or holding a lease). */
  private readonly lastSeenMs = new Map<string, number>();

  constructor(private readonly sessionTimeoutMs: number) {}

  /** The members for this heartbeat, sorted; `leaseHolders` are the owners of held leases. */
  observe(answer: RegistryAnswer, leaseHolders: Iterable<string>): string[] {
    const { nowMs, lapse } = answer;
    const live = new Set([...answer.registered, ...leaseHolders]);
    for (const member of live) this.lastSeenMs.set(member, nowMs);
    const window = lapse !== undefined && nowMs < lapse.toMs + 2 * this.sessionTimeoutMs;
    for (const [member, seenMs] of this.lastSeenMs) {
      if (window && seenMs >= lapse.fromMs - this.sessionTimeoutMs) live.add(member);
      // Never needed again: a later lapse starts after this heartbeat.
      else if (seenMs < nowMs - 3 * this.sessionTimeoutMs) this.lastSeenMs.delete(member);
    }
    return [...live].sort();
  }
}
