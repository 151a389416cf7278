/** One planned SIGKILL: when the handled count reaches `atHandled`. */
export interface PlannedKill {
  atHandled: number;
  /** Pause before the replacement starts, ms. */
  replaceAfterMs: number;
}

/**
 * Random moments to kill a replica, as handled-event counts between 10% and 80% of the run
 * (early enough that the replacement has work left, late enough that the group is busy),
 * in ascending order. `random` is injectable for tests.
 */
export function planKills(
  kills: number,
  events: number,
  random: () => number = Math.random,
): PlannedKill[] {
  const plan: PlannedKill[] = [];
  for (let i = 0; i < kills; i++) {
    plan.push({
      atHandled: Math.max(1, Math.floor(events * (0.1 + random() * 0.7))),
      replaceAfterMs: 200 + Math.floor(random() * 800),
    });
  }
  return plan.sort((a, b) => a.atHandled - b.atHandled);
}

/** A uniformly random element of `items` (undefined when empty). */
export function pickRandom<T>(
  items: readonly T[],
  random: () => number = Math.random,
): T | undefined {
  return items.length === 0 ? undefined : items[Math.floor(random() * items.length)];
}
