import { newEventId } from '@redstream/codec';
import { createStreamClient, type StreamClient, type Subscription } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, uniqueName, waitFor } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOrderRegistry,
  eventTypeFor,
  OrderGenerator,
  OrderHandler,
  type OrderOutcome,
  type OrderPayload,
  readDemoReport,
  readOrderState,
  statusForSeq,
} from '../src/index.js';

let redis: LaunchedRedis;

beforeAll(async () => {
  redis = await launchRedis();
});

afterAll(async () => {
  await redis?.stop();
});

function orderEvent(runId: string, orderId: string, seq: number, id = newEventId()) {
  const status = statusForSeq(seq);
  const payload: OrderPayload = {
    runId,
    orderId,
    seq,
    status,
    amount: 500,
    items: [{ sku: 'BK-1', qty: 1, unitPrice: 500 }],
  };
  return { id, type: eventTypeFor(status), key: orderId, payload };
}

// The same scenarios for both consumption modes (ordering none runs one handler at a time, so
// "arrives after a later seq" is deterministic there too).
describe.each(['key', 'none'] as const)('OrderHandler with ordering %s', (ordering) => {
  let client: StreamClient;
  let subscription: Subscription | undefined;

  beforeAll(async () => {
    client = await createStreamClient({
      url: redis.url,
      codec: { contentType: 'msgpack', registry: createOrderRegistry() },
    });
  });

  afterAll(async () => {
    await subscription?.close();
    await client?.close();
  });

  it('applies transitions in order and counts duplicates, violations and redeliveries', async () => {
    const topic = uniqueName('orders');
    const runId = uniqueName('run');
    const otherRun = uniqueName('other');
    await client.ensureTopic(topic, { partitions: 4 });
    const producer = client.producer({ idempotence: 'never' });

    // A clean workload: 5 orders x 6 events.
    const clean = new OrderGenerator({ runId, keys: 5, events: 30, seed: 7 }).take(30);
    const replayedId = newEventId();
    const failOnceId = newEventId();
    const scenario = [
      // order-dup: seq 1 published twice under two event ids -> one duplicate transition.
      orderEvent(runId, 'order-dup', 1),
      orderEvent(runId, 'order-dup', 1),
      // order-late: seq 1, 3, 2 -> seq 2 arrives after seq 3: one order violation.
      orderEvent(runId, 'order-late', 1),
      orderEvent(runId, 'order-late', 3),
      orderEvent(runId, 'order-late', 2),
      // order-replayed: the same event id appended twice -> a dedupe-marker hit, applied once.
      orderEvent(runId, 'order-replayed', 1, replayedId),
      orderEvent(runId, 'order-replayed', 1, replayedId),
      // order-flaky: its handler fails once -> applied on attempt 2: one redelivery.
      orderEvent(runId, 'order-flaky', 1, failOnceId),
      // another run's event: this replica serves `runId` only, so it is skipped.
      orderEvent(otherRun, 'order-other', 1),
    ];
    await producer.publishMany(topic, clean);
    await producer.publishMany(topic, scenario);

    const outcomes: OrderOutcome[] = [];
    const orders = new OrderHandler({
      consumer: 'worker-1',
      runId,
      onOutcome: (outcome) => outcomes.push(outcome),
    });
    let failed = false;
    subscription = await client.subscribe<OrderPayload>({
      topic,
      group: uniqueName('group'),
      consumer: 'worker-1',
      ordering,
      concurrency: ordering === 'none' ? 1 : 8,
      retryBackoff: { baseMs: 20, maxMs: 50 },
      handler: async (event, ctx) => {
        if (event.id === failOnceId && !failed) {
          failed = true;
          throw new Error('transient failure on purpose');
        }
        await orders.handle(event, ctx);
      },
    });
    orders.attach(subscription, client.redis);

    // 30 clean + 7 of this run applied (the replayed id once: its second copy is a dedupe hit).
    const report = await waitFor(
      async () => {
        const current = await readDemoReport(client, { topic, runId });
        return current.handled >= 37 && current.dedupeHits >= 1 && outcomes.length >= 39
          ? current
          : undefined;
      },
      { description: 'all scenario events handled', timeoutMs: 20_000 },
    );
    expect(report).toMatchObject({
      handled: 37,
      duplicates: 1,
      orderViolations: 1,
      redeliveries: 1,
      dedupeHits: 1,
      perConsumer: { 'worker-1': 37 },
      partitions: 4,
    });
    expect(outcomes.filter((outcome) => outcome === 'foreign-run')).toHaveLength(1);
    expect((await readDemoReport(client, { topic, runId: otherRun })).handled).toBe(0);

    // The late seq 2 was counted, not applied: the order stays at seq 3.
    expect(await readOrderState(client, { topic, runId, orderId: 'order-late' })).toMatchObject({
      seq: 3,
      status: 'shipped',
      consumer: 'worker-1',
    });
    const lastClean = clean.at(-1)!.payload;
    expect(
      await readOrderState(client, { topic, runId, orderId: lastClean.orderId }),
    ).toMatchObject({ seq: lastClean.seq, status: lastClean.status });
  });
});
