import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import { StreamClientError, type SubscribeOptions, type Subscription } from '../src/index.js';
import { loose } from './helpers/loose-options.js';
import { useRedis } from './helpers/redis.js';
import {
  createSubscription,
  FAST,
  MODES,
  type Ordering,
  type SubscribeOptionsNext,
} from './helpers/settle-contracts.js';

/**
 * Issue 14, defects 3 and 11 (consumer.started): options are checked at runtime, not only by
 * the types, and a subscription can be created, listened to and then started, so its start is
 * observable.
 */
const env = useRedis();

async function newTopic() {
  const client = await env.client();
  const topic = uniqueName('opts');
  await client.ensureTopic(topic, { partitions: 1 });
  return { client, topic };
}

/** Subscribes and returns what it rejected with; a subscription that did start is closed again. */
async function refusal(options: Record<string, unknown>): Promise<unknown> {
  const { client } = await newTopic();
  let subscription: Subscription | undefined;
  try {
    subscription = await client.subscribe(options as unknown as SubscribeOptions);
  } catch (error) {
    return error;
  }
  await subscription.close();
  return `accepted: subscribe resolved with options ${Object.keys(options).join(', ')}`;
}

function expectRefused(error: unknown, option: string) {
  expect(error).toBeInstanceOf(StreamClientError);
  expect((error as StreamClientError).code).toBe('RS_CONFIG_INVALID_OPTION');
  expect((error as Error).message).toContain(option);
}

/** An option of the other mode for each mode. */
const otherModeOption: Record<Ordering, [string, number]> = {
  none: ['sessionTimeoutMs', 5000],
  key: ['claimIdleMs', 5000],
};

describe.each(MODES)('subscribe options (ordering %s)', (ordering) => {
  it('refuses an unknown option (a typo) naming it', async () => {
    const { topic } = await newTopic();
    const error = await refusal({
      topic,
      group: 'g',
      consumer: 'c',
      ordering,
      handler: () => {},
      handlerTimout: 300,
    });
    expectRefused(error, 'handlerTimout');
  });

  it('refuses an option of the other mode naming it', async () => {
    const { topic } = await newTopic();
    const [option, value] = otherModeOption[ordering];
    const error = await refusal({
      topic,
      group: 'g',
      consumer: 'c',
      ordering,
      handler: () => {},
      [option]: value,
    });
    expectRefused(error, option);
  });

  it("accepts this mode's own options, the new ones included (guard: passes today)", async () => {
    const { client, topic } = await newTopic();
    const options: SubscribeOptionsNext = {
      ...FAST[ordering],
      topic,
      group: 'g',
      consumer: 'c',
      ordering,
      handlerTimeoutMs: 5000,
      progressTimeoutMs: 30_000,
      handler: () => {},
    };
    const subscription = await client.subscribe(loose(options));
    await subscription.close();
  });
});

describe.each(MODES)('a subscription created, then started (ordering %s)', (ordering) => {
  it('emits consumer.started once, after start(), to a listener attached before it', async () => {
    const { client, topic } = await newTopic();
    const handled: number[] = [];
    const subscription = createSubscription<{ n: number }>(client, {
      ...FAST[ordering],
      topic,
      group: 'g',
      consumer: 'c',
      ordering,
      handler: (event) => void handled.push(event.payload.n),
    });
    const started: unknown[] = [];
    subscription.on('consumer.started', (payload) => started.push(payload));
    await sleep(200);
    // Not started yet: nothing read, nothing emitted.
    await client.producer().publish(topic, { type: 't', key: 'k', payload: { n: 1 } });
    await sleep(300);
    expect(handled).toEqual([]);
    expect(started).toEqual([]);
    await subscription.start();
    await waitFor(() => handled.length === 1, { description: 'the event, once started' });
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ topic, group: 'g', consumer: 'c', ordering });
    await subscription.close();
    expect(started).toHaveLength(1);
  });
});
