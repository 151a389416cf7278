import { newEventId } from '@redstream/codec';
import { createStreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, uniqueName, waitFor } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafkaJsStyleConsumer } from '../examples/kafkajs-style-consumer.js';
import { startWatermillStyleRouter } from '../examples/watermill-style-router.js';
import {
  createOrderRegistry,
  eventTypeFor,
  type OrderPayload,
  statusForSeq,
} from '../src/index.js';

/** The README's two complete consumers, run against a real Redis: they must keep working. */
let redis: LaunchedRedis;
beforeAll(async () => {
  redis = await launchRedis();
});
afterAll(async () => {
  await redis?.stop();
});

async function publishOrders(topic: string, orders: number, seqs: number) {
  const client = await createStreamClient({
    url: redis.url,
    codec: { contentType: 'msgpack', registry: createOrderRegistry() },
  });
  await client.ensureTopic(topic, { partitions: 4 });
  const events = [];
  for (let seq = 1; seq <= seqs; seq++)
    for (let order = 0; order < orders; order++) {
      const status = statusForSeq(seq);
      const payload: OrderPayload = {
        runId: 'examples',
        orderId: `order-${order}`,
        seq,
        status,
        amount: 100 * seq,
        items: [{ sku: 'SKU-1', qty: 1, unitPrice: 100 * seq }],
      };
      events.push({ id: newEventId(), type: eventTypeFor(status), key: payload.orderId, payload });
    }
  await client.producer().publishMany(topic, events);
  await client.close();
  return events.length;
}

describe('examples', () => {
  it('the KafkaJS-style consumer takes batches, pauses while the sink is overloaded, and gets everything', async () => {
    const topic = uniqueName('orders');
    const rows: OrderPayload[] = [];
    let overloadedOnce = true;
    const sink = {
      get overloaded() {
        const answer = overloadedOnce;
        overloadedOnce = false;
        return answer;
      },
      insert: async (batch: OrderPayload[]) => void rows.push(...batch),
    };
    const total = await publishOrders(topic, 10, 4);
    const consumer = await startKafkaJsStyleConsumer({ url: redis.url, topic, sink });
    const paused: unknown[] = [];
    consumer.subscription.on('consumer.paused', (event) => void paused.push(event));
    await waitFor(() => rows.length === total, { description: `${total} rows` });
    await consumer.stop();
    expect(paused.length).toBe(1);
    // Per order, rows arrive in seq order (ordering key).
    for (let order = 0; order < 10; order++) {
      const seqs = rows.filter((row) => row.orderId === `order-${order}`).map((row) => row.seq);
      expect(seqs).toEqual([1, 2, 3, 4]);
    }
  });

  it('the Watermill-style router routes by type and sends unhandled types to the poison queue', async () => {
    const topic = uniqueName('orders');
    const charged: string[] = [];
    const shipped: string[] = [];
    await publishOrders(topic, 5, 4);
    const router = await startWatermillStyleRouter({
      url: redis.url,
      topic,
      services: {
        charge: async (orderId) => void charged.push(orderId),
        ship: async (orderId) => void shipped.push(orderId),
      },
    });
    await waitFor(() => charged.length === 5 && shipped.length === 5, {
      description: 'paid and shipped orders handled',
    });
    await waitFor(async () => (await router.client.admin.listDeadLetters(topic)).length === 10, {
      description: 'created and delivered events dead-lettered',
    });
    const dead = await router.client.admin.listDeadLetters(topic);
    expect(new Set(dead.map((letter) => letter.reason))).toEqual(new Set(['no-handler']));
    expect(new Set(dead.map((letter) => letter.event?.type))).toEqual(
      new Set(['order.created', 'order.delivered']),
    );
    await router.stop();
  });
});
