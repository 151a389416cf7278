import { type LaunchedRedis, launchRedis, uniqueName, waitFor } from '@redstream/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStreamClient } from '../src/index.js';

let redis: LaunchedRedis;
beforeAll(async () => {
  redis = await launchRedis();
});
afterAll(async () => {
  await redis.stop();
});

it('publishes and consumes', async () => {
  const client = await createStreamClient({ url: redis.url });
  const topic = uniqueName('t');
  await client.ensureTopic(topic, { partitions: 4 });
  const producer = client.producer();
  await producer.publishMany(
    topic,
    Array.from({ length: 100 }, (_, i) => ({ type: 'x', key: `k${i % 10}`, payload: { i } })),
  );
  const seen: number[] = [];
  const sub = await client.subscribe({
    topic,
    group: 'g',
    consumer: 'c1',
    handler: (event) => {
      seen.push((event.payload as { i: number }).i);
    },
  });
  await waitFor(() => seen.length === 100, { description: '100 events' });
  await sub.close();
  const seen2: number[] = [];
  const sub2 = await client.subscribe({
    topic,
    group: 'g2',
    consumer: 'c1',
    ordering: 'key',
    handler: (event) => {
      seen2.push((event.payload as { i: number }).i);
    },
  });
  await waitFor(() => seen2.length === 100, { description: '100 events ordered' });
  await sub2.close();
  await client.close();
  expect(new Set(seen).size).toBe(100);
});
