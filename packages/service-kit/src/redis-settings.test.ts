import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvReader } from './env-reader.js';
import {
  describeRedisTarget,
  type RedisSettings,
  readRedisSettings,
  redisConnectionOptions,
} from './redis-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'service-kit-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pemFile(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, `-----BEGIN ${name}-----\nAAAA\n-----END ${name}-----\n`);
  return path;
}

function settings(env: NodeJS.ProcessEnv): RedisSettings {
  const read = new EnvReader(env);
  const result = readRedisSettings(read);
  read.finish();
  return result;
}

describe('Redis settings from env', () => {
  it('defaults to a local Redis without TLS', () => {
    const defaults = settings({});
    expect(defaults).toEqual({
      url: 'redis://127.0.0.1:6379',
      clusterNodes: undefined,
      tls: undefined,
    });
    expect(redisConnectionOptions(defaults)).toEqual({ url: 'redis://127.0.0.1:6379' });
  });

  it('prefers the cluster nodes over the URL', () => {
    const cluster = settings({ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: 'b:7000,c:7001' });
    expect(redisConnectionOptions(cluster)).toEqual({ clusterNodes: 'b:7000,c:7001' });
    expect(describeRedisTarget(cluster)).toBe('cluster b:7000,c:7001');
  });

  it('takes the ACL user and password from their own variables, for a cluster too', () => {
    const cluster = settings({
      REDIS_CLUSTER_NODES: 'b:7000',
      REDIS_USERNAME: 'consumer',
      REDIS_PASSWORD: 's3cret',
    });
    expect(redisConnectionOptions(cluster)).toEqual({
      clusterNodes: 'b:7000',
      username: 'consumer',
      password: 's3cret',
    });
    expect(describeRedisTarget(cluster)).not.toContain('s3cret');
  });

  it('reads the TLS files into the client tls option', () => {
    const env = {
      REDIS_URL: 'rediss://user:secret@redis.internal:6380',
      REDIS_TLS_CA_FILE: pemFile('CA'),
      REDIS_TLS_CERT_FILE: pemFile('CERT'),
      REDIS_TLS_KEY_FILE: pemFile('KEY'),
    };
    const options = redisConnectionOptions(settings(env));
    expect(options.url).toBe(env.REDIS_URL);
    expect(options.tls?.ca).toContain('BEGIN CA');
    expect(options.tls?.cert).toContain('BEGIN CERT');
    expect(options.tls?.key).toContain('BEGIN KEY');
    expect(describeRedisTarget(settings(env))).toBe('rediss://user:***@redis.internal:6380');
    // A CA alone is enough (server authentication only); a cluster takes TLS from the files.
    expect(
      redisConnectionOptions(
        settings({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_TLS_CA_FILE: pemFile('CA') }),
      ).tls,
    ).toEqual({ ca: expect.stringContaining('BEGIN CA') });
  });

  it('refuses a certificate without its key, and TLS files with a redis:// URL', () => {
    const certOnly = { REDIS_URL: 'redis://:pw@host:6379', REDIS_TLS_CERT_FILE: pemFile('CERT') };
    expect(() => settings(certOnly)).toThrow(
      'REDIS_TLS_KEY_FILE: expected a PEM file path as well, since REDIS_TLS_CERT_FILE is set',
    );
    expect(() => settings(certOnly)).toThrow(
      'REDIS_URL: expected rediss://... when REDIS_TLS_* files are set, got "redis://:***@host:6379"',
    );
    expect(() =>
      settings({ REDIS_URL: 'rediss://h:1', REDIS_TLS_KEY_FILE: pemFile('KEY') }),
    ).toThrow(
      'REDIS_TLS_CERT_FILE: expected a PEM file path as well, since REDIS_TLS_KEY_FILE is set',
    );
  });
});
