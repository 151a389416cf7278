/**
 * Exponential backoff with full jitter: a random delay in [0, min(cap, base * 2^attempt)].
 * Full jitter keeps many replicas from reconnecting or retrying in lockstep.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling * random());
}

/** Backoff for reconnects: never zero (avoid a hot loop), at most `capMs`. */
export function reconnectDelay(attempt: number, capMs = 2000): number {
  return Math.max(50, backoffDelay(attempt, 100, capMs));
}
