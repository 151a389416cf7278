import { UnsupportedServerError } from '../errors.js';

export interface ServerFeatures {
  flavor: 'redis' | 'valkey';
  /** The server's own version (Valkey's, not the Redis compatibility version it also reports). */
  version: string;
  /** Redis-compatible version, used to decide which commands exist. */
  redisVersion: string;
  /** XINFO GROUPS reports `lag` and `entries-read` (Redis 7.0+). */
  groupLag: boolean;
  /** XAUTOCLAIM replies with a third element listing deleted ids (Redis 7.0+). */
  autoclaimReportsDeleted: boolean;
  /** maxmemory-policy, when the server lets us read it (CONFIG may be forbidden by ACL). */
  maxmemoryPolicy?: string;
  cluster: boolean;
}

/** Reads the server's identity from `INFO server` text. Throws for servers older than 7.0. */
export function parseServerFeatures(info: string, cluster: boolean): ServerFeatures {
  const field = (name: string) => new RegExp(`^${name}:(.+)$`, 'm').exec(info)?.[1]?.trim();
  const redisVersion = field('redis_version') ?? '0.0.0';
  const valkeyVersion = field('valkey_version');
  const flavor = valkeyVersion || field('server_name') === 'valkey' ? 'valkey' : 'redis';
  if (compareVersions(redisVersion, '7.0.0') < 0) throw new UnsupportedServerError(redisVersion);
  return {
    flavor,
    version: valkeyVersion ?? redisVersion,
    redisVersion,
    groupLag: true,
    autoclaimReportsDeleted: true,
    cluster,
  };
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
