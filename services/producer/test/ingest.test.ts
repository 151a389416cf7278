import { newEventId } from '@redstream/codec';
import { type LaunchedRedis, launchRedis } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendedEntryCount,
  orderCreated,
  type ProducerAppUnderTest,
  startProducerApp,
} from './helpers/producer-app.js';

let redis: LaunchedRedis;
let producer: ProducerAppUnderTest;

beforeAll(async () => {
  redis = await launchRedis();
  producer = await startProducerApp(redis.url, { MAX_BODY_BYTES: '4096', MAX_BATCH_EVENTS: '5' });
});

afterAll(async () => {
  await producer?.close();
  await redis?.stop();
});

function post(body: unknown, topic = producer.topic, contentType = 'application/json') {
  return producer.app.inject({
    method: 'POST',
    url: `/topics/${topic}/events`,
    headers: { 'content-type': contentType },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const streamLength = () => appendedEntryCount(producer.client, producer.topic);

describe('POST /topics/:topic/events', () => {
  it('accepts one event with 202 and its ids', async () => {
    const response = await post(orderCreated('order-1'));
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      eventId: expect.any(String),
      entryId: expect.stringMatching(/^\d+-\d+$/),
      partition: expect.any(Number),
      duplicate: false,
    });
  });

  it('accepts a batch as an array or as { events }, in order', async () => {
    const array = await post([orderCreated('order-2'), orderCreated('order-3')]);
    expect(array.statusCode).toBe(202);
    expect(array.json().events).toHaveLength(2);
    const wrapped = await post({ events: [orderCreated('order-4')] });
    expect(wrapped.statusCode).toBe(202);
    expect(wrapped.json().events[0]).toMatchObject({ duplicate: false });
  });

  it('is idempotent when the client sends the event id', async () => {
    const id = newEventId();
    const before = await streamLength();
    const first = await post(orderCreated('order-5', { id }));
    const retry = await post(orderCreated('order-5', { id }));
    expect(first.statusCode).toBe(202);
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toEqual({ ...first.json(), duplicate: true });
    expect(first.json().eventId).toBe(id);
    expect(await streamLength()).toBe(before + 1);
  });

  it('answers 400 with a JSON reason for malformed JSON', async () => {
    const response = await post('{"type": "order.created",');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'malformed-json', message: expect.any(String) });
  });

  it('answers 400 for a body that is not an event, naming the path', async () => {
    const response = await post([orderCreated('order-6'), { ...orderCreated('order-7'), key: 42 }]);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: 'invalid-event',
      index: 1,
      path: 'events[1].key',
    });
  });

  it('answers 413 for an oversize body and for too many events', async () => {
    const big = await post(orderCreated('order-8', { headers: { note: 'x'.repeat(5000) } }));
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error: 'body-too-large' });
    const many = await post(Array.from({ length: 6 }, (_, i) => orderCreated(`order-m${i}`)));
    expect(many.statusCode).toBe(413);
    expect(many.json()).toMatchObject({ error: 'too-many-events' });
  });

  it('answers 422 for an unknown type and for a schema violation, naming the path', async () => {
    const unknown = await post({ ...orderCreated('order-9'), type: 'order.lost' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({
      error: 'unknown-type',
      message: expect.stringContaining('order.lost'),
    });

    const event = orderCreated('order-10');
    const invalid = await post([
      orderCreated('order-11'),
      { ...event, payload: { ...event.payload, items: [{ sku: 'A', qty: -1, unitPrice: 1 }] } },
    ]);
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json()).toMatchObject({
      error: 'schema-violation',
      index: 1,
      path: 'events[1].payload.items[0].qty',
      issues: [expect.objectContaining({ path: 'items[0].qty' })],
    });
  });

  it('writes nothing of a batch with one bad event', async () => {
    const before = await streamLength();
    const event = orderCreated('order-12');
    const response = await post([event, { ...event, payload: { ...event.payload, seq: 0 } }]);
    expect(response.statusCode).toBe(422);
    expect(await streamLength()).toBe(before);
  });

  it('answers 404 for an unknown topic and 415 for a non-JSON body', async () => {
    const missing = await post(orderCreated('order-13'), 'no-such-topic');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'unknown-topic' });
    const text = await post('hello', producer.topic, 'text/plain');
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ error: 'unsupported-media-type' });
  });
});

describe('health and metrics', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await producer.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await producer.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('counts accepted and rejected events and publish latency', async () => {
    const response = await producer.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.body;
    const topic = producer.topic;
    expect(text).toMatch(
      new RegExp(
        `redstream_producer_events_accepted_total\\{topic="${topic}",source="http"\\} \\d+`,
      ),
    );
    expect(text).toContain(
      `redstream_producer_requests_rejected_total{topic="${topic}",reason="schema-violation"}`,
    );
    expect(text).toContain(
      `redstream_producer_requests_rejected_total{topic="${topic}",reason="malformed-json"}`,
    );
    expect(text).toContain(
      `redstream_producer_events_duplicate_total{topic="${topic}",source="http"} 1`,
    );
    expect(text).toMatch(
      /redstream_producer_publish_duration_seconds_bucket\{le="0.005",topic="[^"]+",source="http"\} \d+/,
    );
  });
});
