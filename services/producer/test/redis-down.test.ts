import { type LaunchedRedis, launchRedis, waitFor } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendedEntryCount,
  orderCreated,
  type ProducerAppUnderTest,
  startProducerApp,
} from './helpers/producer-app.js';

// A private Redis with AOF: this test kills and restarts it, and the restart must keep what
// was appended before, so "nothing more was appended" can be checked afterwards.
let redis: LaunchedRedis;
let producer: ProducerAppUnderTest;

beforeAll(async () => {
  redis = await launchRedis({ own: true, persistence: 'aof-always' });
  producer = await startProducerApp(redis.url);
});

afterAll(async () => {
  await producer?.close();
  await redis?.stop();
});

const entries = () => appendedEntryCount(producer.client, producer.topic);

const post = (body: unknown) =>
  producer.app.inject({
    method: 'POST',
    url: `/topics/${producer.topic}/events`,
    payload: body as Record<string, unknown>,
  });

describe('while Redis is down', () => {
  it('answers 503 at once, appends nothing, and recovers when Redis is back', async () => {
    expect((await post(orderCreated('order-1'))).statusCode).toBe(202);
    expect(await entries()).toBe(1);

    await redis.kill();
    const started = Date.now();
    const single = await post(orderCreated('order-2'));
    const batch = await post([orderCreated('order-3'), orderCreated('order-4')]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(single.statusCode).toBe(503);
    expect(single.json()).toMatchObject({
      error: 'redis-unavailable',
      message: expect.any(String),
    });
    expect(batch.statusCode).toBe(503);
    const ready = await producer.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'unavailable' });
    expect((await producer.app.inject({ url: '/healthz' })).statusCode).toBe(200);

    await redis.restart();
    await waitFor(async () => (await producer.app.inject({ url: '/readyz' })).statusCode === 200, {
      description: 'the producer to reconnect',
      timeoutMs: 15_000,
    });
    // Only the event accepted before the outage is there: the refused ones were never sent.
    expect(await entries()).toBe(1);
    expect((await post(orderCreated('order-5'))).statusCode).toBe(202);
    expect(await entries()).toBe(2);

    const metrics = (await producer.app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain(
      `redstream_producer_requests_rejected_total{topic="${producer.topic}",reason="redis-unavailable"} 2`,
    );
  });
});
