import { type LaunchedRedis, launchRedis, uniqueName } from '@redstream/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deeplyNested,
  type HostileRequest,
  hostileRequest,
  validEvent,
} from './helpers/hostile-requests.js';
import {
  appendedEventIds,
  type ProducerAppUnderTest,
  startProducerApp,
} from './helpers/producer-app.js';

// The ingest against random and hostile input, in-process (the HTTP-level part, with a real
// socket and the process's memory, is hostile-input-process.test.ts): only 4xx with a JSON
// reason, never a 5xx or a throw; and every valid event sent between the bad ones is
// appended exactly once.
let redis: LaunchedRedis;
let producer: ProducerAppUnderTest;
/** Event ids the ingest answered 202 for (not as duplicates): each must be appended once. */
const accepted = new Set<string>();

beforeAll(async () => {
  redis = await launchRedis();
  producer = await startProducerApp(redis.url);
});

afterAll(async () => {
  await producer?.close();
  await redis?.stop();
});

async function send(request: HostileRequest) {
  const response = await producer.app.inject({
    method: 'POST',
    url: `/topics/${request.topic ?? producer.topic}/events`,
    headers:
      request.contentType === undefined
        ? { 'content-type': 'application/json' }
        : { 'content-type': request.contentType },
    payload: request.body,
  });
  if (response.statusCode === 202) {
    const body = response.json() as { events?: AcceptedEvent[] } & AcceptedEvent;
    for (const result of body.events ?? [body]) if (!result.duplicate) accepted.add(result.eventId);
  }
  return response;
}

interface AcceptedEvent {
  eventId: string;
  duplicate: boolean;
}

function expectRefusal(request: HostileRequest, response: Awaited<ReturnType<typeof send>>): void {
  const what = `${request.kind}: ${response.statusCode} ${response.body.slice(0, 300)}`;
  if (!request.alwaysRefused && response.statusCode === 202) return;
  expect(response.statusCode, what).toBeGreaterThanOrEqual(400);
  expect(response.statusCode, what).toBeLessThan(500);
  expect(response.json(), what).toMatchObject({
    error: expect.any(String),
    message: expect.any(String),
  });
}

describe('ingest under hostile input', () => {
  it('answers random and hostile requests with 4xx only, and appends every valid event between them once', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileRequest,
        fc.stringMatching(/^order-[a-z0-9]{1,10}$/),
        async (request, orderId) => {
          expectRefusal(request, await send(request));
          const valid = await send({
            kind: 'valid',
            body: JSON.stringify(validEvent(orderId)),
            alwaysRefused: false,
          });
          expect(valid.statusCode, valid.body).toBe(202);
        },
      ),
      { numRuns: 250 },
    );

    const appended = await appendedEventIds(producer.client, producer.topic);
    const appendedTwice = [...appended].filter(([, count]) => count !== 1);
    expect(appendedTwice).toEqual([]);
    expect(new Set(appended.keys())).toEqual(accepted);
    expect((await producer.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await producer.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect((await producer.app.inject({ url: '/metrics' })).body).not.toContain(
      'reason="internal"',
    );
  });

  it('refuses 10 MB bodies, 10,000 levels of nesting and thousands of event headers, whole', async () => {
    const before = accepted.size;
    const event = validEvent('order-big');
    const cases: HostileRequest[] = [
      {
        kind: '10 MB of JSON',
        body: JSON.stringify(
          Array.from({ length: 10 }, () => ({
            ...event,
            headers: { pad: 'x'.repeat(1024 * 1024) },
          })),
        ),
        alwaysRefused: true,
      },
      { kind: '10 MB of spaces', body: `[${' '.repeat(10 * 1024 * 1024)}]`, alwaysRefused: true },
      {
        kind: '10 MB of random bytes',
        body: Buffer.alloc(10 * 1024 * 1024, 0xfe),
        alwaysRefused: true,
      },
      { kind: '10,000 nested arrays', body: deeplyNested(10_000), alwaysRefused: true },
      {
        kind: '100,000 nested objects',
        body: deeplyNested(100_000, 'object').slice(0, 1_000_000),
        alwaysRefused: true,
      },
      {
        kind: '10,000 event headers',
        body: JSON.stringify({
          ...event,
          headers: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`h${i}`, 'v'])),
        }),
        alwaysRefused: true,
      },
      {
        kind: 'a valid event then a bad one',
        body: JSON.stringify([event, { ...event, id: 'other', payload: deeplyNested(3) }]),
        alwaysRefused: true,
      },
    ];
    for (const request of cases) expectRefusal(request, await send(request));
    expect(accepted.size).toBe(before);
    const sizes = await appendedEventIds(producer.client, producer.topic);
    expect(sizes.has(event.id)).toBe(false);
  });
});

describe('records route under hostile input', () => {
  // Records are judged one by one: whatever the mix, the answer is 200/207/4xx (never 5xx), one
  // offset per record, and exactly the records answered as written are in the topic, once.
  const anyJson = fc.jsonValue({ maxDepth: 4 });
  const record = fc.oneof(
    fc.stringMatching(/^order-[a-z0-9]{1,10}$/).map((orderId) => {
      const { payload, ...event } = validEvent(orderId);
      return { ...event, value: payload } as unknown;
    }),
    anyJson,
    fc.record({ type: fc.string(), value: anyJson }, { requiredKeys: [] }),
    fc.record({ type: fc.constant('order.created'), value: anyJson, id: fc.uuid() }),
    fc.record({ type: fc.constant('order.created'), value: anyJson, partition: fc.integer() }),
  );

  it('refuses a body holding a __proto__ key whole, with its own reason, and writes none of it', async () => {
    const topic = uniqueName('hostile-proto');
    await producer.client.ensureTopic(topic, { partitions: 2 });
    const { payload, ...event } = validEvent('order-proto');
    const response = await producer.app.inject({
      method: 'POST',
      url: `/v1/topics/${topic}/records`,
      headers: { 'content-type': 'application/json' },
      // JSON.stringify would drop the key: the text is what a hostile client sends.
      payload: `{"records":[${JSON.stringify({ ...event, value: payload })},{"__proto__":false}]}`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'forbidden-key' });
    expect((await appendedEventIds(producer.client, topic)).size).toBe(0);
  });

  it('answers every mix of records per record, and writes exactly the records it says it wrote', async () => {
    // A topic of its own: the events test above compares its topic with what it accepted.
    const topic = uniqueName('hostile-records');
    await producer.client.ensureTopic(topic, { partitions: 4 });
    const written = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 30 }), async (records) => {
        const response = await producer.app.inject({
          method: 'POST',
          url: `/v1/topics/${topic}/records`,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ records }),
        });
        const what = `${response.statusCode} ${response.body.slice(0, 300)}`;
        expect([200, 207, 400, 413, 422], what).toContain(response.statusCode);
        // A `__proto__` key anywhere refuses the whole body before records are judged: nothing
        // of it is written (the count at the end checks that).
        if ((response.json() as { error?: string }).error === 'forbidden-key') return;
        const { offsets } = response.json() as {
          offsets: Array<{ eventId: string | null; error_code: number | null; duplicate: boolean }>;
        };
        expect(offsets, what).toHaveLength(records.length);
        for (const offset of offsets)
          if (offset.error_code === null && !offset.duplicate)
            written.set(offset.eventId!, (written.get(offset.eventId!) ?? 0) + 1);
      }),
      { numRuns: 150 },
    );
    const appended = await appendedEventIds(producer.client, topic);
    expect(appended.size).toBe(written.size);
    for (const [eventId, count] of written) {
      expect(count, eventId).toBe(1);
      expect(appended.get(eventId), eventId).toBe(1);
    }
  });
});
