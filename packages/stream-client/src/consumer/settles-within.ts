/**
 * Waits for `work` to settle, at most `timeoutMs`. True when it settled (fulfilled or
 * rejected) in time. For shutdown paths that must not wait forever on a command that never
 * gets an answer; the caller decides what to cut when it returns false.
 */
export async function settlesWithin(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return settled;
}
