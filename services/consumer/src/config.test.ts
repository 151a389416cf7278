import { hostname } from 'node:os';
import { ConfigError } from '@redstream/service-kit';
import { describe, expect, it } from 'vitest';
import { loadConsumerConfig } from './config.js';

function problemsOf(env: NodeJS.ProcessEnv): string {
  try {
    loadConsumerConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConsumerConfig', () => {
  it('defaults to one replica of order-workers on orders, ordering key, named after the host', () => {
    expect(loadConsumerConfig({})).toMatchObject({
      topic: 'orders',
      group: 'order-workers',
      partitions: undefined,
      ordering: 'key',
      concurrency: 16,
      consumerName: hostname(),
      startFrom: 'beginning',
      maxDeliveries: 5,
      port: 8081,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1000,
      claimIdleMs: 30_000,
      handlerTimeoutMs: 300_000,
      progressTimeoutMs: 600_000,
      shutdownGraceMs: 25_000,
      runId: undefined,
    });
  });

  it('reads START_FROM as beginning, end, an entry id, ms, or an ISO time', () => {
    const start = (value: string) => loadConsumerConfig({ START_FROM: value }).startFrom;
    expect(start('end')).toBe('end');
    expect(start('1700000000000-3')).toEqual({ id: '1700000000000-3' });
    expect(start('1700000000000')).toEqual({ timestamp: 1_700_000_000_000 });
    expect(start('2024-01-02T03:04:05Z')).toEqual({
      timestamp: Date.parse('2024-01-02T03:04:05Z'),
    });
    expect(problemsOf({ START_FROM: 'yesterday' })).toContain(
      'START_FROM: expected beginning, end, an entry id like 1700000000000-0, a time in ms, or an ISO 8601 time, got "yesterday"',
    );
  });

  it('names each bad variable and the expected form', () => {
    const message = problemsOf({
      ORDERING: 'fifo',
      CONCURRENCY: '0',
      CONSUMER_NAME: 'a:b',
      MAX_DELIVERIES: 'many',
      SESSION_TIMEOUT_MS: '2000',
      HEARTBEAT_INTERVAL_MS: '1500',
      GROUP: '',
      PARTITIONS: '-1',
      HANDLER_TIMEOUT_MS: '-5',
    });
    expect(message).toContain('ORDERING: expected one of key, none, got "fifo"');
    expect(message).toContain('CONCURRENCY: expected an integer from 1 to 10000, got "0"');
    expect(message).toContain(
      'CONSUMER_NAME: expected 1-200 characters of A-Z a-z 0-9 . _ -, got "a:b"',
    );
    expect(message).toContain('MAX_DELIVERIES: expected an integer from 1 to 1000, got "many"');
    expect(message).toContain(
      'HEARTBEAT_INTERVAL_MS: expected at most half of SESSION_TIMEOUT_MS (2000)',
    );
    expect(message).toContain('PARTITIONS: expected an integer from 1 to 4096, got "-1"');
    expect(message).toContain(
      'HANDLER_TIMEOUT_MS: expected an integer from 0 to 86400000, got "-5"',
    );
    expect(message).not.toContain('GROUP');
  });
});
