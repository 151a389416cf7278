import { createOrderRegistry, OrderGenerator, readDemoReport } from '@redstream/orders-demo';
import { createStreamClient, type StreamClient, type Subscription } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, uniqueName, waitFor } from '@redstream/testkit';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { loadConsumerConfig } from '../src/config.js';
import { ConsumerServiceMetrics } from '../src/consumer-service-metrics.js';
import { startOrderWorker } from '../src/order-worker.js';

let redis: LaunchedRedis;
let client: StreamClient;
let subscription: Subscription | undefined;
let app: FastifyInstance;
let draining = false;
const topic = uniqueName('orders');
const runId = uniqueName('run');
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  redis = await launchRedis();
  const config = loadConsumerConfig({
    REDIS_URL: redis.url,
    TOPIC: topic,
    GROUP: 'workers',
    PARTITIONS: '4',
    CONSUMER_NAME: 'replica-a',
    RUN_ID: runId,
  });
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const metrics = new ConsumerServiceMetrics({ defaultMetrics: false });
  client = await createStreamClient({
    url: redis.url,
    logger,
    metricsRegistry: metrics.registry,
    codec: { contentType: 'msgpack', registry: createOrderRegistry() },
  });
  metrics.setLagSource(() => client.admin.groupLag(topic, 'workers'));
  app = createApp(config, {
    client,
    metrics,
    logger,
    subscription: () => subscription,
    shuttingDown: () => draining,
  });
  await app.ready();
  subscription = await startOrderWorker(client, config, {
    logger,
    metrics,
    signal: new AbortController().signal,
  });
});

afterAll(async () => {
  await subscription?.close();
  await client?.close();
  await app?.close();
  await redis?.stop();
});

describe('consumer service endpoints', () => {
  it('handles the order events and reports health, readiness and metrics', async () => {
    const events = new OrderGenerator({ runId, keys: 10, events: 120 }).take(120);
    await client.producer().publishMany(topic, events);
    await waitFor(async () => (await readDemoReport(client, { topic, runId })).handled === 120, {
      description: '120 events handled',
      timeoutMs: 20_000,
    });

    const health = (await app.inject({ url: '/healthz' })).json();
    expect(health).toMatchObject({
      status: 'ok',
      consumer: 'replica-a',
      group: 'workers',
      ordering: 'key',
      subscribed: true,
    });
    await waitFor(
      async () => (await app.inject({ url: '/healthz' })).json().ownedPartitions.length === 4,
      {
        description: 'all 4 partitions owned',
      },
    );
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);

    const metrics = (await app.inject({ url: '/metrics' })).body;
    const labels = `topic="${topic}",group="workers"`;
    expect(metrics).toContain(`redstream_consumer_handled_total{${labels}} 120`);
    expect(metrics).toContain(`redstream_consumer_failed_total`);
    expect(metrics).toContain(`redstream_consumer_retried_total`);
    expect(metrics).toContain(`redstream_consumer_dead_lettered_total`);
    expect(metrics).toContain(`redstream_consumer_owned_partitions{${labels}} 4`);
    expect(metrics).toMatch(/redstream_consumer_handler_duration_seconds_count\{[^}]*\} 120/);
    for (let partition = 0; partition < 4; partition++) {
      expect(metrics).toContain(
        `redstream_consumer_lag_entries{${labels},partition="${partition}"} 0`,
      );
      expect(metrics).toMatch(
        new RegExp(
          `redstream_consumer_lag_seconds\\{${labels},partition="${partition}"\\} [0-9.e-]+`,
        ),
      );
    }
    expect(metrics).toContain('orders_demo_events_total{outcome="applied"} 120');
  });

  it('logs lines about an event with its trace id', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const [late, early] = new OrderGenerator({ runId, keys: 1, events: 3 })
      .take(3)
      .slice(1)
      .reverse()
      .map((event) => ({
        ...event,
        key: 'order-trace',
        payload: { ...event.payload, orderId: 'order-trace' },
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      }));
    // seq 3 first, then seq 2: the second is an order violation, logged with its trace id.
    await client.producer().publishMany(topic, [late!, early!]);
    const line = await waitFor(
      () => logLines.find((entry) => String(entry.msg).startsWith('order violation')),
      { description: 'the order violation log line' },
    );
    expect(line).toMatchObject({ traceId, orderId: 'order-trace', seq: 2, eventId: early!.id });
  });

  it('under ORDERING=none logs order violations at debug level plus a counted summary', async () => {
    const noneTopic = uniqueName('orders');
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'debug' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const metrics = new ConsumerServiceMetrics({ defaultMetrics: false });
    // The handler logs through its client's logger, as in the service (one logger for all).
    const noneClient = await createStreamClient({
      url: redis.url,
      logger,
      metricsRegistry: metrics.registry,
      codec: { contentType: 'msgpack', registry: createOrderRegistry() },
    });
    const config = loadConsumerConfig({
      TOPIC: noneTopic,
      GROUP: 'shared',
      PARTITIONS: '2',
      ORDERING: 'none',
      CONSUMER_NAME: 'replica-n',
      RUN_ID: runId,
    });
    const shared = await startOrderWorker(noneClient, config, {
      logger,
      metrics,
      signal: new AbortController().signal,
      violationSummaryMs: 50,
    });
    const [, second, third] = new OrderGenerator({ runId, keys: 1, events: 3 }).take(3);
    // One after the other: handled concurrently, both would see no later seq yet.
    await client.producer().publish(noneTopic, third!);
    await waitFor(() => lines.some((line) => line.msg === 'order event handled'), {
      description: 'seq 3 handled',
    });
    await client.producer().publish(noneTopic, second!);
    const summary = await waitFor(
      () => lines.find((line) => String(line.msg).startsWith('order violations counted')),
      { description: 'the order violation summary' },
    );
    expect(summary).toMatchObject({ level: 30, orderViolations: 1, new: 1 });
    const violation = lines.find((line) => String(line.msg).startsWith('order violation:'));
    expect(violation).toMatchObject({ level: 20, seq: 2, eventId: second!.id });
    expect(lines.filter((line) => line.level === 40)).toEqual([]);
    expect((await metrics.registry.metrics()).includes('outcome="out-of-order"} 1')).toBe(true);
    await shared?.close();
    await noneClient.close();
  });

  it('turns not ready while draining', async () => {
    draining = true;
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'draining' });
    draining = false;
  });
});
