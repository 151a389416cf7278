/**
 * Who is in an ordered group, as this replica sees it at each heartbeat: the members the
 * registry lists, every replica that holds a lease, and, just after the registry was out of
 * reach, the members seen before the outage.
 *
 * Why the last part: the registry is one sorted set on one master, each entry expiring a
 * session timeout after its member's last heartbeat. When that master stalls or fails over for
 * longer than the session timeout, every entry in it expires at once, live members' included;
 * a replica whose leases all lived on the same master then holds none either, and looks gone.
 * The first members to heartbeat after the outage would hand its partitions to themselves, and
 * once it re-registered a second rebalance would take partitions from the others (on masters
 * that never failed) to give it its share back: partitions moving between replicas that never
 * went away. So a heartbeat that comes after a gap long enough for live entries to have lapsed
 * opens a window in which the members seen before the gap stay members: long enough for every
 * live one to register again. A member that really died in the outage leaves the view when the
 * window closes (its partitions move a little later than they would otherwise).
 */
export class GroupMembership {
  /** Local time (performance.now()) of the last heartbeat the registry answered. */
  private lastHeartbeatAt: number | undefined;
  /** Members seen (registered or holding a lease) at the last heartbeat, not kept by the window. */
  private seen: readonly string[] = [];
  private keptAfterOutage: readonly string[] = [];
  private keepUntil = 0;

  constructor(private readonly sessionTimeoutMs: number) {}

  /**
   * The members for this heartbeat, sorted. `answeredAt` is the local time the registry's
   * answer came in; `registered` its live entries; `leaseHolders` the owners of held leases.
   */
  observe(
    answeredAt: number,
    registered: Iterable<string>,
    leaseHolders: Iterable<string>,
  ): string[] {
    // Live members heartbeat every interval, well inside the session timeout: a gap of half of
    // it means the registry (or this replica's path to it, or this process) was out long
    // enough that entries of live members may have expired. Heartbeats that failed and
    // heartbeats that hung until the failover ended both show up as such a gap.
    const gap = this.lastHeartbeatAt === undefined ? 0 : answeredAt - this.lastHeartbeatAt;
    this.lastHeartbeatAt = answeredAt;
    if (gap > this.sessionTimeoutMs / 2) {
      this.keptAfterOutage = this.seen;
      // Every live member needs a heartbeat (and, after a failover, its client's reconnection
      // to the promoted master) to be listed again.
      this.keepUntil = answeredAt + 2 * this.sessionTimeoutMs;
    }
    const seen = new Set([...registered, ...leaseHolders]);
    this.seen = [...seen];
    if (answeredAt < this.keepUntil) for (const member of this.keptAfterOutage) seen.add(member);
    return [...seen].sort();
  }
}
