import { createCodec } from '@redstream/codec';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loose } from '../../test/helpers/loose-options.js';
import { EffectsFailedError, NonRetriableError } from '../errors.js';
import { RedisKeys } from '../keys.js';
import { ConsumerMetrics } from './consumer-metrics.js';
import { EntryProcessor } from './entry-processor.js';
import type { HandlerContext } from './handler-context.js';
import { Instrumentation } from './instrumentation.js';
import type { Settlement } from './settlement/settlement.js';
import type { StreamEntry } from './stream-entry.js';
import { resolveSubscribeOptions, type SubscribeOptions } from './subscribe-options.js';

// The decision logic alone (what to do with an entry); the Redis side of each decision is
// covered by the integration tests. The settlement records calls instead of talking to Redis.
function setup(
  handler: (event: unknown, ctx: HandlerContext) => void | Promise<void>,
  retryMode: 'schedule' | 'in-place' = 'schedule',
  extra: Partial<SubscribeOptions> = {},
  ackAndMark: Settlement['ackAndMark'] = async () => 1,
) {
  const calls: string[] = [];
  const settlement: Settlement = {
    ack: async (entry) => void calls.push(`ack ${entry.id}`),
    ackAndMark: async (entry, eventId, effects) => {
      calls.push(`ackAndMark ${entry.id}`);
      return ackAndMark(entry, eventId, effects);
    },
    deadLetter: async (entry, reason, _error, attempts) => {
      calls.push(`deadLetter ${entry.id} ${reason} ${attempts}`);
      return true;
    },
    scheduleRetry: async (entry, next) => void calls.push(`retry ${entry.id} as attempt ${next}`),
    drain: async () => {},
  };
  const codec = createCodec();
  const options = resolveSubscribeOptions(
    loose({
      topic: 't',
      group: 'g',
      consumer: 'c',
      handler,
      maxDeliveries: 3,
      ...(retryMode === 'in-place' ? { ordering: 'key' as const } : {}),
      ...extra,
    }),
  );
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
    expect(await processor.process(entry(null), signal, 1)).toEqual({ kind: 'skipped' });
    expect(calls).toEqual(['ack 1-1']);
    expect(called).toBe(false);
  });

  it('dead-letters undecodable fields at once', async () => {
    const { calls, processor, entry } = setup(() => {});
    const outcome = await processor.process(entry(['v', '99', 'garbage', '\u0000']), signal, 1);
    expect(outcome).toEqual({ kind: 'dead-lettered', reason: 'decode-failed' });
    expect(calls).toEqual(['deadLetter 1-1 decode-failed 1']);
  });

  it('schedules a retry for a retriable failure and dead-letters at maxDeliveries', async () => {
    const failing = setup(() => {
      throw new Error('boom');
    });
    expect(await failing.processor.process(failing.entry(failing.valid()), signal, 1)).toEqual({
      kind: 'retry-scheduled',
    });
    expect(await failing.processor.process(failing.entry(failing.valid()), signal, 3)).toEqual({
      kind: 'dead-lettered',
      reason: 'max-deliveries',
    });
    expect(failing.calls).toEqual(['retry 1-1 as attempt 2', 'deadLetter 1-1 max-deliveries 3']);
  });

  it('dead-letters a NonRetriableError at the first attempt', async () => {
    const { calls, processor, entry, valid } = setup(() => {
      throw new NonRetriableError('no');
    });
    expect(await processor.process(entry(valid()), signal, 1)).toEqual({
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
    expect(await processor.process(entry(valid()), signal, 4)).toEqual({
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
    const outcome = await processor.process(entry(valid()), signal, 1);
    expect(outcome).toMatchObject({ kind: 'retry-in-place', blocked: false });
  });

  it('keeps an exhausted entry of a blocked key (block-key) instead of dead-lettering it', async () => {
    let runs = 0;
    const { calls, processor, entry, valid } = setup(
      () => {
        runs++;
        throw new Error('still failing');
      },
      'in-place',
      { onRetriesExhausted: 'block-key' },
    );
    const outcome = await processor.process(entry(valid()), signal, 7);
    expect(outcome).toMatchObject({ kind: 'retry-in-place', blocked: true });
    expect(runs).toBe(1);
    expect(calls).toEqual([]);
  });

  it('counts a handler past handlerTimeoutMs as a failed attempt, aborts its signal, and dead-letters it as timeout', async () => {
    let signalled: AbortSignal | undefined;
    const { calls, processor, entry, valid } = setup(
      (_event, ctx) => {
        signalled = ctx.signal;
        return new Promise(() => {});
      },
      'schedule',
      { handlerTimeoutMs: 30 },
    );
    const first = await processor.process(entry(valid()), signal, 1);
    expect(first).toMatchObject({ kind: 'retry-scheduled' });
    // The handler goes on (it ignores its signal): the outcome says so.
    expect(first.stillRunning).toBeInstanceOf(Promise);
    expect(signalled?.aborted).toBe(true);
    expect(await processor.process(entry(valid()), signal, 3)).toMatchObject({
      kind: 'dead-lettered',
      reason: 'timeout',
    });
    expect(calls).toEqual(['retry 1-1 as attempt 2', 'deadLetter 1-1 timeout 3']);
    expect(processor.runningHandlers).toBe(0);
  });

  it('treats refused effects as a handler failure: retried, then dead-lettered as effects-failed', async () => {
    const { calls, processor, entry, valid } = setup(
      (_event, ctx) => void ctx.effects.incrby(ctx.stateKey('n'), 1),
      'schedule',
      {},
      async () => {
        throw new EffectsFailedError('effect 1 refused: WRONGTYPE');
      },
    );
    expect(await processor.process(entry(valid()), signal, 1)).toEqual({ kind: 'retry-scheduled' });
    expect(await processor.process(entry(valid()), signal, 3)).toEqual({
      kind: 'dead-lettered',
      reason: 'effects-failed',
    });
    expect(calls).toEqual([
      'ackAndMark 1-1',
      'retry 1-1 as attempt 2',
      'ackAndMark 1-1',
      'deadLetter 1-1 effects-failed 3',
    ]);
  });

  it('dead-letters a malformed effect at once (it can never apply)', async () => {
    const { calls, processor, entry, valid } = setup((_event, ctx) => {
      ctx.effects.set('not-in-the-partition-slot', 'x');
    });
    expect(await processor.process(entry(valid()), signal, 1)).toEqual({
      kind: 'dead-lettered',
      reason: 'effects-failed',
    });
    expect(calls).toEqual(['deadLetter 1-1 effects-failed 1']);
  });
});
