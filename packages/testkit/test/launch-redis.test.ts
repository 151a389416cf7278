import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  hasDockerEngine,
  type LaunchedRedis,
  launchRedis,
  NotOwnedError,
  RedisUnavailableError,
} from '../src/index.js';

// Each case builds its own env so the outcome does not depend on the machine's REDIS_URL.
const withoutRedisUrl = (): NodeJS.ProcessEnv => {
  const { REDIS_URL: _ignored, ...rest } = process.env;
  return { ...rest, REDSTREAM_NO_DOCKER: '1' };
};

describe('launchRedis', () => {
  const launched: LaunchedRedis[] = [];
  afterEach(async () => {
    await Promise.all(launched.splice(0).map((redis) => redis.stop()));
  });

  it('spawns redis-server from PATH on a free port when REDIS_URL is unset and no Docker engine answers', async () => {
    const redis = await launchRedis({ env: withoutRedisUrl() });
    launched.push(redis);
    expect(redis.source).toBe('binary');
    expect(redis.owned).toBe(true);
    const client = new Redis(redis.url);
    await client.set('probe', 'ok');
    expect(await client.get('probe')).toBe('ok');
    client.disconnect();
  });

  it('deletes the throwaway data dir on stop', async () => {
    const redis = await launchRedis({ env: withoutRedisUrl() });
    const dir = redis.server!.dir;
    expect(existsSync(dir)).toBe(true);
    await redis.stop();
    expect(existsSync(dir)).toBe(false);
  });

  it('uses REDIS_URL when it answers, and refuses to kill a server it does not own', async () => {
    const own = await launchRedis({ env: withoutRedisUrl() });
    launched.push(own);
    const shared = await launchRedis({ env: { ...withoutRedisUrl(), REDIS_URL: own.url } });
    expect(shared.source).toBe('env');
    expect(shared.owned).toBe(false);
    await expect(shared.kill()).rejects.toBeInstanceOf(NotOwnedError);
  });

  it('starts a private server with { own: true } even when REDIS_URL is set', async () => {
    const shared = await launchRedis({ env: withoutRedisUrl() });
    launched.push(shared);
    const own = await launchRedis({
      own: true,
      env: { ...withoutRedisUrl(), REDIS_URL: shared.url },
    });
    launched.push(own);
    expect(own.source).toBe('binary');
    expect(own.url).not.toBe(shared.url);
  });

  it('fails fast on a REDIS_URL where nothing listens, naming the URL without its password', async () => {
    const started = Date.now();
    const error = await launchRedis({
      env: { ...withoutRedisUrl(), REDIS_URL: 'redis://app:hunter2@127.0.0.1:1' },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toContain('redis://app:***@127.0.0.1:1');
    expect((error as Error).message).not.toContain('hunter2');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('explains how to get Redis when there is none at all', async () => {
    const error = await launchRedis({ env: { ...withoutRedisUrl(), PATH: '/nonexistent' } }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toMatch(/apt-get install redis-server/);
  });

  it('kills and restarts an owned server on the same port, keeping data with AOF', async () => {
    const redis = await launchRedis({
      own: true,
      persistence: 'aof-always',
      env: withoutRedisUrl(),
    });
    launched.push(redis);
    const client = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    await client.set('survives', 'yes');
    await redis.kill();
    expect(redis.server!.running).toBe(false);
    await redis.restart();
    expect(await client.get('survives')).toBe('yes');
    client.disconnect();
  });

  it('reports no Docker engine here unless one answers (testcontainers path)', async () => {
    // This machine has only a docker client; the check must say so quickly rather than hang.
    const started = Date.now();
    const answer = await hasDockerEngine(
      { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      2000,
    );
    expect(answer).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('explains a Redis binary that cannot run instead of a raw spawn error', async () => {
    const error = await launchRedis({
      env: { ...withoutRedisUrl(), REDIS_SERVER_BIN: '/nonexistent/redis-server' },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toMatch(
      /cannot run the Redis server binary \/nonexistent\/redis-server/,
    );
  });
});
