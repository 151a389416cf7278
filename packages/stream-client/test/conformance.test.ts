import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import type {
  DecodedEvent,
  HandlerContext,
  StreamClient,
  SubscribeOptions,
  Subscription,
} from '../src/index.js';
import { useCluster } from './helpers/cluster.js';
import { loose } from './helpers/loose-options.js';
import { useRedis } from './helpers/redis.js';

/**
 * One suite, every consumer mode: the behaviour a user relies on whichever ordering they pick,
 * in the spirit of the universal pub/sub test suites mature messaging libraries share.
 */
const single = useRedis();
const cluster = useCluster();

type Payload = { n: number; blob?: Buffer; nested?: unknown };

const cases = [
  { ordering: 'none', target: 'a single Redis', env: single },
  { ordering: 'key', target: 'a single Redis', env: single },
  { ordering: 'none', target: 'a Redis Cluster', env: cluster },
  { ordering: 'key', target: 'a Redis Cluster', env: cluster },
] as const;

describe.each(cases)('conformance (ordering $ordering, $target)', ({ ordering, env }) => {
  const fast = {
    blockMs: 200,
    ...(ordering === 'key'
      ? { heartbeatIntervalMs: 100, sessionTimeoutMs: 2000 }
      : { claimIdleMs: 1000, claimIntervalMs: 200 }),
  };

  async function newTopic(client: StreamClient, partitions = 4) {
    const topic = uniqueName('conf');
    await client.ensureTopic(topic, { partitions });
    return topic;
  }

  function subscribe(
    client: StreamClient,
    options: Omit<SubscribeOptions<Payload>, 'ordering'>,
  ): Promise<Subscription> {
    return client.subscribe<Payload>(loose<Payload>({ ...fast, ...options, ordering }));
  }

  const publishNumbers = (client: StreamClient, topic: string, from: number, count: number) =>
    client.producer().publishMany(
      topic,
      Array.from({ length: count }, (_, i) => ({
        type: 'num',
        key: `k${(from + i) % 17}`,
        payload: { n: from + i },
      })),
    );

  it('delivers payload and headers intact', async () => {
    const client = await env.client();
    const topic = await newTopic(client);
    const received: Array<{ event: DecodedEvent<Payload>; ctx: HandlerContext }> = [];
    const subscription = await subscribe(client, {
      topic,
      group: 'g',
      consumer: 'c',
      handler: (event, ctx) => void received.push({ event, ctx }),
    });
    const blob = Buffer.from([0, 1, 2, 255, 254]);
    const nested = {
      a: [1, { b: 'two', c: null }],
      when: new Date('2024-01-02T03:04:05.006Z'),
      big: 12345678901234567890n,
    };
    const headers = {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'correlation-id': 'corr-1',
    };
    const [published] = await client
      .producer()
      .publishMany(topic, [{ type: 'rich', key: 'k1', headers, payload: { n: 1, blob, nested } }]);
    await waitFor(() => received.length === 1, { description: 'the event' });
    await subscription.close();
    const [{ event, ctx }] = received as [(typeof received)[0]];
    expect(event).toMatchObject({ id: published!.eventId, type: 'rich', key: 'k1', headers });
    expect(Buffer.compare(event.payload.blob!, blob)).toBe(0);
    expect(event.payload.nested).toEqual(nested);
    expect(ctx).toMatchObject({
      topic,
      group: 'g',
      consumer: 'c',
      partition: published!.partition,
      entryId: published!.entryId,
      attempt: 1,
    });
  });

  it('shares work among many concurrent subscribers, each event once', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 8);
    const seen = new Map<number, number>();
    const subscriptions = await Promise.all(
      Array.from({ length: 6 }, async (_, i) =>
        subscribe(await env.client(), {
          topic,
          group: 'g',
          consumer: `c${i}`,
          handler: (event) => void seen.set(event.payload.n, (seen.get(event.payload.n) ?? 0) + 1),
        }),
      ),
    );
    await publishNumbers(client, topic, 0, 3000);
    await waitFor(() => seen.size === 3000, { description: '3000 events', timeoutMs: 30_000 });
    await sleep(200);
    await Promise.all(subscriptions.map((s) => s.close()));
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
  });

  it('serves many topics at once', async () => {
    const client = await env.client();
    const topics = await Promise.all(Array.from({ length: 8 }, () => newTopic(client, 2)));
    const perTopic = new Map<string, Set<number>>();
    const subscriptions = await Promise.all(
      topics.map((topic) => {
        perTopic.set(topic, new Set());
        return subscribe(client, {
          topic,
          group: 'g',
          consumer: 'c',
          handler: (event) => void perTopic.get(topic)!.add(event.payload.n),
        });
      }),
    );
    await Promise.all(topics.map((topic) => publishNumbers(client, topic, 0, 100)));
    await waitFor(() => [...perTopic.values()].every((set) => set.size === 100), {
      description: '100 events on each topic',
      timeoutMs: 30_000,
    });
    await Promise.all(subscriptions.map((s) => s.close()));
  });

  it('redelivers after a handler error', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 1);
    const attempts: number[] = [];
    const subscription = await subscribe(client, {
      topic,
      group: 'g',
      consumer: 'c',
      retryBackoff: { baseMs: 50, maxMs: 100 },
      handler: (_event, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt === 1) throw new Error('first attempt fails');
      },
    });
    await publishNumbers(client, topic, 0, 1);
    await waitFor(() => attempts.length === 2, { description: 'a redelivery', timeoutMs: 10_000 });
    await subscription.close();
    expect(attempts).toEqual([1, 2]);
  });

  it('loses nothing when a subscriber is closed and re-created repeatedly while publishers run', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 4);
    const handled = new Set<number>();
    const handler = (event: DecodedEvent<Payload>) => void handled.add(event.payload.n);
    const publishing = (async () => {
      for (let batch = 0; batch < 20; batch++) {
        await publishNumbers(client, topic, batch * 50, 50);
        await sleep(30);
      }
    })();
    for (let round = 0; round < 6; round++) {
      const subscription = await subscribe(client, { topic, group: 'g', consumer: 'c', handler });
      await sleep(120);
      await subscription.close();
    }
    await publishing;
    const last = await subscribe(client, { topic, group: 'g', consumer: 'c', handler });
    await waitFor(() => handled.size === 1000, {
      description: 'the union of handled events to be everything published',
      timeoutMs: 30_000,
    });
    await last.close();
  });

  it('survives concurrent close calls', async () => {
    const client = await env.client();
    const topic = await newTopic(client);
    const subscriptions = await Promise.all(
      ['a', 'b', 'c'].map(async (name) =>
        subscribe(await env.client(), {
          topic,
          group: 'g',
          consumer: name,
          handler: () => sleep(5),
        }),
      ),
    );
    await publishNumbers(client, topic, 0, 300);
    await sleep(100);
    await Promise.all(subscriptions.flatMap((s) => [s.close(), s.close()]));
    expect(subscriptions.every((s) => s.inFlight === 0)).toBe(true);
  });

  it('lets a new group read old events, and two groups each get everything', async () => {
    const client = await env.client();
    const topic = await newTopic(client);
    await publishNumbers(client, topic, 0, 200);
    const groups = { first: new Set<number>(), second: new Set<number>() };
    const subscriptions = await Promise.all(
      (Object.keys(groups) as Array<keyof typeof groups>).map((group) =>
        subscribe(client, {
          topic,
          group,
          consumer: 'c',
          handler: (event) => void groups[group].add(event.payload.n),
        }),
      ),
    );
    await waitFor(() => groups.first.size === 200 && groups.second.size === 200, {
      description: 'both groups to get all 200',
    });
    await Promise.all(subscriptions.map((s) => s.close()));
  });

  it('loses nothing from many parallel publishers', async () => {
    const client = await env.client();
    const topic = await newTopic(client, 4);
    const publishers = await Promise.all(Array.from({ length: 8 }, () => env.client()));
    await Promise.all(
      publishers.map((publisher, i) => publishNumbers(publisher, topic, i * 250, 250)),
    );
    await Promise.all(publishers.map((publisher) => publisher.close()));
    const handled = new Set<number>();
    const subscription = await subscribe(client, {
      topic,
      group: 'g',
      consumer: 'c',
      handler: (event) => void handled.add(event.payload.n),
    });
    await waitFor(() => handled.size === 2000, {
      description: 'all 2000 events',
      timeoutMs: 30_000,
    });
    await subscription.close();
  });
});
