import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { RedisUnavailableError } from './errors.js';
import { HOW_TO_GET_REDIS } from './how-to-get-redis.js';

export interface ServerBinary {
  path: string;
  /** `redis` or `valkey`. */
  flavor: 'redis' | 'valkey';
  /** As printed by `--version`, e.g. `7.0.15`. */
  version: string;
}

const CANDIDATES = ['redis-server', 'valkey-server'] as const;

/**
 * Finds a server binary: `REDIS_SERVER_BIN` when set (so CI can pick Valkey), else
 * `redis-server`, else `valkey-server` on PATH. Returns undefined when there is none.
 */
export function findServerBinary(
  env: NodeJS.ProcessEnv = process.env,
  preferred?: 'redis' | 'valkey',
): ServerBinary | undefined {
  const explicit = env.REDSTREAM_SERVER_BIN ?? env.REDIS_SERVER_BIN;
  if (explicit) return describe(explicit);
  const order = preferred === 'valkey' ? [...CANDIDATES].reverse() : CANDIDATES;
  for (const name of order) {
    const path = whichSync(name, env.PATH ?? '');
    if (path) return describe(path);
  }
  return undefined;
}

function describe(path: string): ServerBinary {
  let output: string;
  try {
    output = execFileSync(path, ['--version'], { encoding: 'utf8' });
  } catch (error) {
    throw new RedisUnavailableError(
      `cannot run the Redis server binary ${path}: ${(error as Error).message}. ${HOW_TO_GET_REDIS}`,
      { cause: error },
    );
  }
  const version = /v=(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? 'unknown';
  return { path, version, flavor: /valkey/i.test(output) ? 'valkey' : 'redis' };
}

function whichSync(name: string, pathVariable: string): string | undefined {
  for (const dir of pathVariable.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
