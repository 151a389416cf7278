/**
 * True for errors that mean "Redis is unreachable right now" (refused, reset, closed, offline
 * queue disabled, cluster down, loading, a slot moving between masters longer than the
 * client follows redirections): retrying later can succeed.
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection is closed|Stream isn't writeable|MaxRetriesPerRequest|LOADING|CLUSTERDOWN|TRYAGAIN|Too many Cluster redirections|Command timed out|socket/i.test(
    error.message,
  );
}
