/**
 * Hides the password of a Redis URL so it can be logged or put into an error message.
 * `redis://user:secret@host:6379/0` becomes `redis://user:***@host:6379/0`.
 * Anything that does not parse as a URL is reduced to `<unparseable url>` rather than echoed,
 * because a malformed URL may still contain a secret.
 */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<unparseable url>';
  }
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
