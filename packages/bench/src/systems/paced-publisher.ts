import { performance } from 'node:perf_hooks';

/**
 * Calls `publish(sequence)` at `ratePerSec` for `totalMs`, one event per call (never batched
 * by this loop), catching up after timer jitter. Returns once every publish has settled.
 */
export async function publishAtRate(
  ratePerSec: number,
  totalMs: number,
  publish: (sequence: number) => Promise<unknown>,
): Promise<{ sent: number; elapsedMs: number }> {
  const total = Math.round((ratePerSec * totalMs) / 1000);
  const pending: Array<Promise<unknown>> = [];
  let failure: unknown;
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * ratePerSec) / 1000) + 1);
    while (sent < due) {
      pending.push(
        publish(sent).catch((error: unknown) => {
          failure ??= error;
        }),
      );
      sent++;
    }
    if (failure) throw failure;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  if (failure) throw failure;
  return { sent, elapsedMs: performance.now() - start };
}
