import type { Readable } from 'node:stream';

/** How long a refused upload may keep sending before the answer goes out anyway. */
export const DISCARD_TIMEOUT_MS = 2000;

/**
 * Reads and drops what is left of a request body the server refused (over the body limit), for
 * at most `timeoutMs`. Node closes the connection after such an answer, and closing a socket
 * with unread bytes in it resets the connection: a client still uploading (10 MB against a
 * 1 MiB limit, say) would then see ECONNRESET/EPIPE instead of the 413. Reading the rest
 * first lets the answer arrive; the bytes are not kept.
 */
export function discardRequestBody(body: Readable, timeoutMs = DISCARD_TIMEOUT_MS): Promise<void> {
  if (body.readableEnded || body.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      body.off('end', done).off('close', done).off('error', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    body.on('end', done).on('close', done).on('error', done);
    body.resume();
  });
}
