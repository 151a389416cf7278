/**
 * Resolves after `ms`. The timer does not keep the process alive: a wait of a loop or a key
 * that nobody needs any more (the subscription closed) must not hold the exit.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no listener behind. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const ignore = (): void => {};

/**
 * Settles (never rejects) when `work` settles, and holds nothing of its result: a read kept
 * for `pause()` to wait on must not keep the entries it read (and their reply) alive until
 * the next read.
 */
export function whenSettled(work: Promise<unknown>): Promise<void> {
  return work.then(ignore, ignore);
}
