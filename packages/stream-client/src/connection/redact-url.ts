/** Hides the password of a Redis URL for logs: `redis://u:secret@h` -> `redis://u:***@h`. */
export function redactRedisUrl(url: string): string {
  // A unix socket path: its query string (ioredis reads options such as a password there) is dropped.
  if (url.startsWith('/') && !url.startsWith('//')) return url.split('?', 1)[0]!;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // A malformed URL may still hold a secret: never echo it.
    return '<unparseable url>';
  }
}
