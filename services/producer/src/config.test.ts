import { ConfigError } from '@redstream/service-kit';
import { describe, expect, it } from 'vitest';
import { loadProducerConfig } from './config.js';

describe('loadProducerConfig', () => {
  it('has defaults for everything', () => {
    const config = loadProducerConfig({});
    expect(config).toMatchObject({
      redis: { url: 'redis://127.0.0.1:6379', clusterNodes: undefined, tls: undefined },
      topic: 'orders',
      partitions: 8,
      mode: 'http',
      port: 8080,
      logLevel: 'info',
      generator: { events: 0, keys: 300, rate: 0, exitWhenDone: false },
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
    });
    expect(config).toMatchObject({
      redis: { url: 'redis://:secret@redis:6380/2', clusterNodes: 'a:7000,b:7001' },
      topic: 'payments',
      partitions: 16,
      mode: 'both',
      port: 0,
      logLevel: 'debug',
      generator: { events: 500, keys: 20, rate: 100, runId: 'run-a_1', exitWhenDone: true },
    });
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
