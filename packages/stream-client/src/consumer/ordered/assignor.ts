export interface AssignmentInput {
  /** Live members, any order (assignors sort them: the result must be deterministic). */
  members: readonly string[];
  partitions: number;
  /** Current owner of each partition, when it is a live member. */
  current: ReadonlyMap<number, string>;
}

/** A partition assignment strategy: a deterministic function of the live members and current owners. */
export interface Assignor {
  name: string;
  assign(input: AssignmentInput): Map<string, number[]>;
}

/**
 * Cooperative-sticky assignment: every member gets floor(P/N) or ceil(P/N) partitions (8 over
 * 3 is 3/3/2); members keep what they own up to their quota, and only partitions that must
 * move (owner gone, or owner over quota) go to members under quota. The extra partitions go
 * to the members already holding the most, so a join or leave moves as few as possible.
 */
export class StickyAssignor implements Assignor {
  readonly name = 'sticky';

  assign({ members, partitions, current }: AssignmentInput): Map<string, number[]> {
    const sorted = [...new Set(members)].sort();
    const result = new Map<string, number[]>(sorted.map((member) => [member, []]));
    if (sorted.length === 0) return result;
    const held = new Map<string, number[]>(sorted.map((member) => [member, []]));
    for (let partition = 0; partition < partitions; partition++) {
      const owner = current.get(partition);
      if (owner !== undefined) held.get(owner)?.push(partition);
    }
    const base = Math.floor(partitions / sorted.length);
    const extra = partitions % sorted.length;
    const byHoldings = [...sorted].sort(
      (a, b) => held.get(b)!.length - held.get(a)!.length || (a < b ? -1 : 1),
    );
    const quota = new Map(
      byHoldings.map((member, index) => [member, base + (index < extra ? 1 : 0)]),
    );

    const taken = new Set<number>();
    for (const member of sorted) {
      const keep = held.get(member)!.slice(0, quota.get(member));
      result.set(member, keep);
      for (const partition of keep) taken.add(partition);
    }
    const free: number[] = [];
    for (let partition = 0; partition < partitions; partition++)
      if (!taken.has(partition)) free.push(partition);
    for (const member of sorted) {
      const mine = result.get(member)!;
      while (mine.length < quota.get(member)! && free.length > 0) mine.push(free.shift()!);
      mine.sort((a, b) => a - b);
    }
    return result;
  }
}
