import { createCodec } from '@redstream/codec';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { NonRetriableError } from '../errors.js';
import { RedisKeys } from '../keys.js';
import { ConsumerMetrics } from './consumer-metrics.js';
import { EntryProcessor, type Settlement } from './entry-processor.js';
import { Instrumentation } from './instrumentation.js';
import type { StreamEntry } from './stream-entry.js';
import { resolveSubscribeOptions } from './subscribe-options.js';

// The decision logic alone (what to do with an entry); the Redis side of each decision is
// covered by the integration tests. The settlement records calls instead of talking to Redis.
function setup(
  handler: () => void | Promise<void>,
  retryMode: 'schedule' | 'in-place' = 'schedule',
) {
  const calls: string[] = [];
  const settlement: Settlement = {
    ack: async (entry) => void calls.push(`ack ${entry.id}`),
    ackAndMark: async (entry) => {
      calls.push(`ackAndMark ${entry.id}`);
      return 1;
    },
    deadLetter: async (entry, reason, _error, attempts) =>
      void calls.push(`deadLetter ${entry.id} ${reason} ${attempts}`),
    scheduleRetry: async (entry, next) => void calls.push(`retry ${entry.id} as attempt ${next}`),
  };
  const codec = createCodec();
  const options = resolveSubscribeOptions({
    topic: 't',
    group: 'g',
    consumer: 'c',
    handler,
    maxDeliveries: 3,
  });
  const processor = new EntryProcessor({
    options: options as never,
    codec,
    keys: new RedisKeys(),
    redis: {} as never,
    logger: pino({ level: 'silent' }),
    instrumentation: new Instrumentation(),
    metrics: new ConsumerMetrics(undefined, { topic: 't', group: 'g' }),
    settlement,
    retryMode,
  });
  const entry = (fields: Array<string | Buffer> | null, deliveryCount = 1): StreamEntry => ({
    stream: 's',
    partition: 0,
    id: '1-1',
    fields: fields?.map((field) => Buffer.from(field)) ?? null,
    deliveryCount,
    fromRetry: false,
  });
  const valid = () => codec.encode({ type: 't', payload: { ok: true } }).fields;
  return { calls, processor, entry, valid };
}

const signal = new AbortController().signal;

describe('EntryProcessor decisions', () => {
  it('acks an entry deleted while pending (null fields, the pre-7.0 XAUTOCLAIM shape) without calling the handler', async () => {
    let called = false;
    const { calls, processor, entry } = setup(() => {
      called = true;
    });
    expect(await processor.process(entry(null), signal)).toEqual({ kind: 'skipped' });
    expect(calls).toEqual(['ack 1-1']);
    expect(called).toBe(false);
  });

  it('dead-letters undecodable fields at once', async () => {
    const { calls, processor, entry } = setup(() => {});
    const outcome = await processor.process(entry(['v', '99', 'garbage', '\u0000']), signal);
    expect(outcome).toEqual({ kind: 'dead-lettered', reason: 'decode-failed' });
    expect(calls).toEqual(['deadLetter 1-1 decode-failed 1']);
  });

  it('schedules a retry for a retriable failure and dead-letters at maxDeliveries', async () => {
    const failing = setup(() => {
      throw new Error('boom');
    });
    expect(await failing.processor.process(failing.entry(failing.valid(), 1), signal)).toEqual({
      kind: 'retry-scheduled',
    });
    expect(await failing.processor.process(failing.entry(failing.valid(), 3), signal)).toEqual({
      kind: 'dead-lettered',
      reason: 'max-deliveries',
    });
    expect(failing.calls).toEqual(['retry 1-1 as attempt 2', 'deadLetter 1-1 max-deliveries 3']);
  });

  it('dead-letters a NonRetriableError at the first attempt', async () => {
    const { calls, processor, entry, valid } = setup(() => {
      throw new NonRetriableError('no');
    });
    expect(await processor.process(entry(valid()), signal)).toEqual({
      kind: 'dead-lettered',
      reason: 'non-retriable',
    });
    expect(calls).toEqual(['deadLetter 1-1 non-retriable 1']);
  });

  it('does not run the handler again for an entry delivered more often than allowed', async () => {
    let called = false;
    const { calls, processor, entry, valid } = setup(() => {
      called = true;
    });
    expect(await processor.process(entry(valid(), 4), signal)).toEqual({
      kind: 'dead-lettered',
      reason: 'max-deliveries',
    });
    expect(called).toBe(false);
    expect(calls).toEqual(['deadLetter 1-1 max-deliveries 3']);
  });

  it('asks for an in-place retry in ordering key', async () => {
    const { processor, entry, valid } = setup(() => {
      throw new Error('boom');
    }, 'in-place');
    const outcome = await processor.process(entry(valid()), signal);
    expect(outcome).toMatchObject({ kind: 'retry-in-place', blocked: false });
  });
});
