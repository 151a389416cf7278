import { type ConnectionOptions, redactRedisUrl, type TlsOptions } from '@redstream/stream-client';
import type { EnvReader } from './env-reader.js';

/** Where a service's Redis is and how to reach it, read from env once at start. */
export interface RedisSettings {
  /** `REDIS_URL`: `redis://[user:password@]host:port[/db]` or `rediss://` (TLS). */
  url: string;
  /** `REDIS_CLUSTER_NODES` (`host:port,host:port`); takes precedence over `url`. */
  clusterNodes: string | undefined;
  /** PEM contents of `REDIS_TLS_CA_FILE`, `REDIS_TLS_CERT_FILE`, `REDIS_TLS_KEY_FILE`. */
  tls: TlsOptions | undefined;
  /**
   * `REDIS_USERNAME` / `REDIS_PASSWORD`: the ACL user, overriding the URL's. A cluster's node
   * list has no place for a password, and a Kubernetes Secret can hold it alone.
   */
  username?: string | undefined;
  password?: string | undefined;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const TLS_FILES = {
  ca: 'REDIS_TLS_CA_FILE',
  cert: 'REDIS_TLS_CERT_FILE',
  key: 'REDIS_TLS_KEY_FILE',
} as const;

/**
 * `REDIS_URL`, `REDIS_CLUSTER_NODES` and the TLS files. The files go with a `rediss://` URL
 * (or a cluster, whose nodes are then reached over TLS); a client certificate needs its key.
 */
export function readRedisSettings(read: EnvReader): RedisSettings {
  const url = read.redisUrl('REDIS_URL', DEFAULT_REDIS_URL);
  const clusterNodes = read.clusterNodes('REDIS_CLUSTER_NODES');
  const tls: TlsOptions = {};
  for (const [option, variable] of Object.entries(TLS_FILES) as [
    keyof typeof TLS_FILES,
    string,
  ][]) {
    const pem = read.pemFile(variable);
    if (pem !== undefined) tls[option] = pem;
  }
  const certSet = read.raw(TLS_FILES.cert) !== undefined;
  const keySet = read.raw(TLS_FILES.key) !== undefined;
  if (certSet !== keySet) {
    const [missing, given] = certSet
      ? [TLS_FILES.key, TLS_FILES.cert]
      : [TLS_FILES.cert, TLS_FILES.key];
    read.problem(missing, `a PEM file path as well, since ${given} is set`, '');
  }
  const tlsSet = Object.values(TLS_FILES).some((variable) => read.raw(variable) !== undefined);
  if (tlsSet && clusterNodes === undefined && !url.startsWith('rediss://'))
    read.problem('REDIS_URL', 'rediss://... when REDIS_TLS_* files are set', redactRedisUrl(url));
  const username = read.raw('REDIS_USERNAME');
  const password = read.raw('REDIS_PASSWORD');
  return {
    url,
    clusterNodes,
    tls: tlsSet ? tls : undefined,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

/** The stream client's connection options for these settings. */
export function redisConnectionOptions(
  settings: RedisSettings,
): Pick<ConnectionOptions, 'url' | 'clusterNodes' | 'tls' | 'username' | 'password'> {
  return {
    ...(settings.clusterNodes ? { clusterNodes: settings.clusterNodes } : { url: settings.url }),
    ...(settings.tls ? { tls: settings.tls } : {}),
    ...(settings.username !== undefined ? { username: settings.username } : {}),
    ...(settings.password !== undefined ? { password: settings.password } : {}),
  };
}

/** The Redis target for log lines: the URL with its password hidden, or the cluster's nodes. */
export function describeRedisTarget(settings: RedisSettings): string {
  return settings.clusterNodes ? `cluster ${settings.clusterNodes}` : redactRedisUrl(settings.url);
}
