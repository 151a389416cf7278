import { InvalidOptionError } from '../errors.js';
import { redactRedisUrl } from './redact-url.js';

const EXPECTED =
  'redis://[user:password@]host[:port][/db], rediss://... for TLS, or a unix socket path (/path/to/redis.sock)';

/**
 * Checks a connection URL before ioredis sees it. ioredis throws a bare TypeError for text that
 * is not a URL, and parses anything without a redis:// or rediss:// scheme (http://host:port)
 * as a unix socket path, which then times out: both are configuration mistakes to name at once.
 * A path starting with `/` is a unix socket, which ioredis supports.
 */
export function assertRedisUrl(url: string): string {
  if (typeof url !== 'string') throw new InvalidOptionError('url', EXPECTED, typeof url);
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const usable =
    parsed !== undefined &&
    (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') &&
    parsed.hostname !== '' &&
    /^\/?(\d+)?$/.test(parsed.pathname);
  if (!usable) throw new InvalidOptionError('url', EXPECTED, shownUrl(url));
  return url;
}

/**
 * What an error may echo of a bad URL: its redacted form when it parses; text that cannot hold a
 * password (no userinfo, no password parameter) as it is; else nothing.
 */
function shownUrl(url: string): string {
  const redacted = redactRedisUrl(url);
  if (redacted !== '<unparseable url>') return redacted;
  return /@|password/i.test(url) ? redacted : url;
}
