import { type LaunchedRedis, launchRedis } from '@redstream/testkit';
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
