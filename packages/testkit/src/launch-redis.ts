import { hasDockerEngine } from './docker-engine.js';
import { NotOwnedError, RedisUnavailableError } from './errors.js';
import { HOW_TO_GET_REDIS } from './how-to-get-redis.js';
import { pingRedis } from './ping.js';
import { redactRedisUrl } from './redact-url.js';
import { type Persistence, RedisServerProcess } from './redis-server-process.js';
import { findServerBinary } from './server-binary.js';

/** Where the Redis of a launch came from, in the order the launcher tries them. */
export type RedisSource = 'env' | 'testcontainers' | 'binary';

export interface LaunchedRedis {
  url: string;
  /** The URL with its password hidden, for logs and messages. */
  displayUrl: string;
  source: RedisSource;
  /** True when this process started the server and may kill, restart or flush it. */
  owned: boolean;
  /** The spawned process when source is `binary` (fault tests use it directly). */
  server?: RedisServerProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(options?: { signal?: NodeJS.Signals; downtimeMs?: number }): Promise<void>;
  /** Stops what this launch started; a no-op for a server given by REDIS_URL. */
  stop(): Promise<void>;
}

export interface LaunchRedisOptions {
  /**
   * Always start a private server, even when REDIS_URL is set. Required for tests that kill,
   * restart or flush Redis: they must never touch a shared instance.
   */
  own?: boolean;
  persistence?: Persistence;
  /** Extra server arguments (only for servers this process starts). */
  args?: string[];
  /** Prefer `valkey-server` over `redis-server` when both are on PATH. */
  prefer?: 'redis' | 'valkey';
  env?: NodeJS.ProcessEnv;
  /** How long to wait for a REDIS_URL server to answer before failing. */
  connectTimeoutMs?: number;
}

/**
 * Finds a Redis for tests, the demo and the benchmark, in this order: REDIS_URL if set (and
 * `own` is not asked); testcontainers when a Docker engine answers; a `redis-server` or
 * `valkey-server` from PATH on a free port with a throwaway dir; else a RedisUnavailableError
 * that says how to get one.
 */
export async function launchRedis(options: LaunchRedisOptions = {}): Promise<LaunchedRedis> {
  const env = options.env ?? process.env;
  const fromEnv = env.REDIS_URL;
  if (fromEnv && !options.own) return useExisting(fromEnv, options.connectTimeoutMs ?? 3000);
  if (await hasDockerEngine(env)) return startContainer(options);
  const binary = findServerBinary(env, options.prefer);
  if (!binary) {
    throw new RedisUnavailableError(
      `no Redis found: REDIS_URL is not set, no Docker engine answers, and neither redis-server nor valkey-server is on PATH. ${HOW_TO_GET_REDIS}`,
    );
  }
  const server = await RedisServerProcess.start(binary, {
    persistence: options.persistence ?? 'none',
    args: options.args ?? [],
  });
  return {
    url: server.url,
    displayUrl: server.url,
    source: 'binary',
    owned: true,
    server,
    kill: (signal) => server.kill(signal),
    restart: (restartOptions) => server.restart(restartOptions),
    stop: () => server.stop(),
  };
}

async function useExisting(url: string, timeoutMs: number): Promise<LaunchedRedis> {
  const displayUrl = redactRedisUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisUnavailableError(
      `REDIS_URL is not a valid URL (${displayUrl}); expected redis://[user:password@]host:port[/db]`,
    );
  }
  // TLS servers cannot be probed with a raw socket; the client will report its own errors.
  if (parsed.protocol === 'redis:') {
    const password = decodeURIComponent(parsed.password);
    const result = await pingRedis(parsed.hostname, Number(parsed.port || 6379), {
      timeoutMs,
      ...(password
        ? { auth: { username: decodeURIComponent(parsed.username) || undefined, password } }
        : {}),
    });
    if (!result.ok) {
      const reason = result.error?.message ?? result.reply ?? 'no PONG';
      throw new RedisUnavailableError(
        `cannot reach Redis at ${displayUrl} (from REDIS_URL): ${reason}. Start that server, fix REDIS_URL, or unset it to start a private redis-server instead.`,
      );
    }
  }
  const notOwned = async () => {
    throw new NotOwnedError('kill or restart');
  };
  return {
    url,
    displayUrl,
    source: 'env',
    owned: false,
    kill: notOwned,
    restart: notOwned,
    stop: async () => {},
  };
}

async function startContainer(options: LaunchRedisOptions): Promise<LaunchedRedis> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const persistenceArgs =
    options.persistence && options.persistence !== 'none'
      ? [
          '--appendonly',
          'yes',
          '--appendfsync',
          options.persistence === 'aof-always' ? 'always' : 'everysec',
        ]
      : ['--save', '', '--appendonly', 'no'];
  const container = await new RedisContainer('redis:7.4')
    .withCommand(['redis-server', ...persistenceArgs, ...(options.args ?? [])])
    .start();
  const launched: LaunchedRedis = {
    url: container.getConnectionUrl(),
    displayUrl: container.getConnectionUrl(),
    source: 'testcontainers',
    owned: true,
    kill: async () => {
      await container.stop({ remove: false, timeout: 0 });
    },
    restart: async () => {
      await container.restart();
      launched.url = container.getConnectionUrl();
      launched.displayUrl = launched.url;
    },
    stop: async () => {
      await container.stop();
    },
  };
  return launched;
}
