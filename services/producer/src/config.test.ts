import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@redstream/service-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { API_KEY_LINE_FORM, findApiKey, sha256Hex } from './api-keys.js';
import { loadProducerConfig } from './config.js';

const schemasDir = mkdtempSync(join(tmpdir(), 'producer-config-'));
afterAll(() => rmSync(schemasDir, { recursive: true, force: true }));

describe('loadProducerConfig', () => {
  it('has defaults for everything but the API keys', () => {
    const config = loadProducerConfig({ AUTH: 'none' });
    expect(config).toMatchObject({
      redis: { url: 'redis://127.0.0.1:6379', clusterNodes: undefined, tls: undefined },
      topic: 'orders',
      partitions: 8,
      mode: 'http',
      port: 8080,
      logLevel: 'info',
      generator: { events: 0, keys: 300, rate: 0, exitWhenDone: false },
      topics: undefined,
      autoCreateTopics: false,
      defaultPartitions: 8,
      schemasDir: undefined,
      unknownTypes: 'reject',
      auth: { mode: 'none', keys: [] },
      rateLimit: { eventsPerSecond: 0, bytesPerSecond: 0, burstSeconds: 1 },
      logFormat: 'json',
    });
    expect(config.generator.runId).toMatch(/^run-/);
  });

  it('reads every variable', () => {
    const config = loadProducerConfig({
      REDIS_URL: 'redis://:secret@redis:6380/2',
      REDIS_CLUSTER_NODES: 'a:7000,b:7001',
      TOPIC: 'payments',
      PARTITIONS: '16',
      MODE: 'both',
      PORT: '0',
      LOG_LEVEL: 'debug',
      GENERATOR_EVENTS: '500',
      GENERATOR_KEYS: '20',
      GENERATOR_RATE: '100',
      RUN_ID: 'run-a_1',
      EXIT_WHEN_DONE: 'true',
      TOPICS: 'payments:16,clicks:4',
      SCHEMAS_DIR: schemasDir,
      UNKNOWN_TYPES: 'passthrough',
      API_KEYS: `ingest:${sha256Hex('k1')}:payments  ops:${sha256Hex('k2')}`,
      RATE_LIMIT_EVENTS_PER_SECOND: '500',
      RATE_LIMIT_BYTES_PER_SECOND: '1048576',
      RATE_LIMIT_BURST_SECONDS: '2',
      LOG_FORMAT: 'pretty',
    });
    expect(config).toMatchObject({
      redis: { url: 'redis://:secret@redis:6380/2', clusterNodes: 'a:7000,b:7001' },
      topic: 'payments',
      partitions: 16,
      mode: 'both',
      port: 0,
      logLevel: 'debug',
      generator: { events: 500, keys: 20, rate: 100, runId: 'run-a_1', exitWhenDone: true },
      topics: [
        { name: 'payments', partitions: 16 },
        { name: 'clicks', partitions: 4 },
      ],
      schemasDir,
      unknownTypes: 'passthrough',
      auth: { mode: 'api-key' },
      rateLimit: { eventsPerSecond: 500, bytesPerSecond: 1048576, burstSeconds: 2 },
      logFormat: 'pretty',
    });
    expect(config.auth.keys.map((key) => [key.id, key.topics && [...key.topics]])).toEqual([
      ['ingest', ['payments']],
      ['ops', undefined],
    ]);
    expect(findApiKey(config.auth.keys, 'k2')?.id).toBe('ops');
  });

  it('refuses to serve the ingest without keys unless AUTH=none says so', () => {
    expect(() => loadProducerConfig({})).toThrow(/API_KEYS_FILE: expected API keys/);
    expect(loadProducerConfig({ MODE: 'generator' }).auth.keys).toEqual([]);
  });

  it('reads API_KEYS_FILE and names the bad line without echoing the whole hash', () => {
    const file = join(schemasDir, 'keys.txt');
    writeFileSync(
      file,
      `# ingest keys\n\nok:${sha256Hex('a')}:orders,clicks\nbad:${'ab'.repeat(20)}\n`,
    );
    let error: unknown;
    try {
      loadProducerConfig({ API_KEYS_FILE: file });
    } catch (caught) {
      error = caught;
    }
    expect((error as ConfigError).problems).toEqual([
      `API_KEYS_FILE line 4: expected ${API_KEY_LINE_FORM}, got "bad:abababab..."`,
    ]);
    writeFileSync(file, `ok:${sha256Hex('a')}:orders,clicks\n`);
    const [key] = loadProducerConfig({ API_KEYS_FILE: file }).auth.keys;
    expect(key?.topics && [...key.topics]).toEqual(['orders', 'clicks']);
  });

  it('refuses AUTO_CREATE_TOPICS beside an allow-list, and a generator topic outside it', () => {
    expect(() =>
      loadProducerConfig({ AUTH: 'none', TOPICS: 'a:1', AUTO_CREATE_TOPICS: 'true' }),
    ).toThrow(/AUTO_CREATE_TOPICS: expected false when TOPICS is set/);
    expect(() => loadProducerConfig({ AUTH: 'none', TOPICS: 'a:1', MODE: 'both' })).toThrow(
      /TOPIC: expected one of the TOPICS/,
    );
    expect(() => loadProducerConfig({ AUTH: 'none', TOPICS: 'a:1,a:2' })).toThrow(
      /TOPICS: expected name:partitions/,
    );
  });

  it('names every bad variable with the expected form, and never echoes a password', () => {
    let error: unknown;
    try {
      loadProducerConfig({
        PORT: 'eighty',
        PARTITIONS: '0',
        MODE: 'batch',
        REDIS_URL: 'http://user:hunter2@host',
        REDIS_CLUSTER_NODES: 'nohost',
        TOPIC: 'has space',
        EXIT_WHEN_DONE: 'maybe',
        RUN_ID: 'a/b',
        AUTH: 'none',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT: expected an integer from 0 to 65535, got "eighty"');
    expect(message).toContain('PARTITIONS: expected an integer from 1 to 4096, got "0"');
    expect(message).toContain('MODE: expected one of http, generator, both, got "batch"');
    expect(message).toMatch(/REDIS_URL: expected redis:\/\//);
    expect(message).not.toContain('hunter2');
    expect(message).toContain('REDIS_CLUSTER_NODES: expected host:port');
    expect(message).toContain('TOPIC: expected 1-200 characters');
    expect(message).toContain('EXIT_WHEN_DONE: expected true or false');
    expect(message).toContain('RUN_ID: expected 1-64 characters');
    expect((error as ConfigError).problems).toHaveLength(8);
  });
});
