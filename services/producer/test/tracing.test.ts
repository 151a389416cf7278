import { SpanKind } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { startTelemetry } from '@redstream/service-kit/telemetry';
import { type LaunchedRedis, launchRedis, waitFor } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTrace } from './helpers/trace-tree.js';

// The services' telemetry, exporting to memory. Started before anything below loads
// fastify, whose require of node:http the HTTP instrumentation patches.
const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry('producer', {
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const { startProducerApp, orderCreated } = await import('./helpers/producer-app.js');
const { createStreamClient, NonRetriableError } = await import('@redstream/stream-client');
const { createOrderRegistry } = await import('@redstream/orders-demo');

/** The caller's own span: the trace starts upstream of the producer. */
const UPSTREAM_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const UPSTREAM_SPAN = '00f067aa0ba902b7';

let redis: LaunchedRedis;

beforeAll(async () => {
  redis = await launchRedis();
});

afterAll(async () => {
  await telemetry?.shutdown();
  await redis?.stop();
});

const byName = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name);
const idOf = (span: ReadableSpan | undefined) => span?.spanContext().spanId;

describe.each(['none', 'key'] as const)(
  'one order event traced end to end (ordering %s)',
  (ordering) => {
    it('POST -> send -> process (retry) -> process (dead letter) -> redrive -> process (handled), one trace', async () => {
      exporter.reset();
      // The server is this file's own: the docs' topic name can be used as is.
      const producer = await startProducerApp(redis.url, {
        TOPIC: ordering === 'none' ? 'orders' : 'orders-by-key',
      });
      const { topic } = producer;
      const address = await producer.app.listen({ host: '127.0.0.1', port: 0 });
      const consumerClient = await createStreamClient({
        url: redis.url,
        codec: { contentType: 'msgpack', registry: createOrderRegistry() },
      });
      let runs = 0;
      const subscription = await consumerClient.subscribe({
        topic,
        group: 'order-workers',
        consumer: 'consumer-0',
        blockMs: 200,
        retryBackoff: { baseMs: 20, maxMs: 100 },
        ...(ordering === 'key'
          ? { ordering: 'key' as const, heartbeatIntervalMs: 100, sessionTimeoutMs: 2000 }
          : { ordering: 'none' as const }),
        handler: async () => {
          runs++;
          if (runs === 1) throw new Error('payment service timed out');
          if (runs === 2) throw new NonRetriableError('card declined');
        },
      });
      try {
        const response = await fetch(`${address}/topics/${topic}/events`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            traceparent: `00-${UPSTREAM_TRACE}-${UPSTREAM_SPAN}-01`,
          },
          body: JSON.stringify(orderCreated('order-7')),
        });
        expect(response.status).toBe(202);
        const { eventId } = (await response.json()) as { eventId: string };

        await waitFor(
          async () => (await consumerClient.admin.listDeadLetters(topic)).length === 1,
          { description: 'the event dead-lettered', timeoutMs: 20_000 },
        );
        await consumerClient.admin.redriveDeadLetters(topic);
        const processSpans = () => byName(exporter.getFinishedSpans(), `process ${topic}`);
        await waitFor(() => processSpans().length === 3, {
          description: 'three process spans',
          timeoutMs: 20_000,
        });

        const spans = exporter.getFinishedSpans();
        const trace = spans.filter((span) => span.spanContext().traceId === UPSTREAM_TRACE);
        const [server] = byName(trace, 'POST /topics/:topic/events');
        const [send] = byName(trace, `send ${topic}`);
        const runsInTrace = byName(trace, `process ${topic}`);
        if (process.env.REDSTREAM_PRINT_TRACE) console.log(formatTrace(spans, UPSTREAM_TRACE));

        // The HTTP request continues the caller's trace; the send is its child.
        expect(server?.kind).toBe(SpanKind.SERVER);
        expect(server?.parentSpanContext?.spanId).toBe(UPSTREAM_SPAN);
        expect(send?.kind).toBe(SpanKind.PRODUCER);
        expect(send?.parentSpanContext?.spanId).toBe(idOf(server));
        expect(send?.attributes).toMatchObject({
          'messaging.system': 'redis',
          'messaging.operation.type': 'send',
          'messaging.destination.name': topic,
          'messaging.message.id': eventId,
          'messaging.destination.partition.id': expect.any(String),
        });

        // Every run, the redriven one included, is a child of the send and linked to it.
        expect(runsInTrace).toHaveLength(3);
        for (const run of runsInTrace) {
          expect(run.kind).toBe(SpanKind.CONSUMER);
          expect(run.parentSpanContext?.spanId).toBe(idOf(send));
          expect(run.links.map((link) => link.context.spanId)).toEqual([idOf(send)]);
          expect(run.attributes).toMatchObject({
            'messaging.system': 'redis',
            'messaging.operation.type': 'process',
            'messaging.destination.name': topic,
            'messaging.destination.partition.id':
              send?.attributes['messaging.destination.partition.id'],
            'messaging.consumer.group.name': 'order-workers',
            'messaging.client.id': 'consumer-0',
            'messaging.message.id': eventId,
          });
        }
        const [retried, deadLettered, redriven] = [...runsInTrace].sort(
          (a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1],
        );
        expect(retried?.attributes).toMatchObject({
          'redstream.attempt': 1,
          'redstream.retries': 0,
          'redstream.outcome': 'retry',
          'error.type': 'Error',
        });
        expect(retried?.status).toMatchObject({ code: 2, message: 'payment service timed out' });
        expect(retried?.events.map((event) => event.name)).toEqual(
          ordering === 'none' ? ['exception', 'retry scheduled'] : ['exception'],
        );
        expect(deadLettered?.attributes).toMatchObject({
          'redstream.attempt': 2,
          'redstream.retries': 1,
          'redstream.outcome': 'dead-lettered',
        });
        expect(deadLettered?.events.map((event) => event.name)).toEqual([
          'exception',
          'dead-letter',
        ]);
        expect(deadLettered?.events[1]?.attributes).toEqual({
          'redstream.dead_letter.reason': 'non-retriable',
        });
        expect(redriven?.attributes).toMatchObject({
          'redstream.attempt': 1,
          'redstream.outcome': 'handled',
        });
        expect(redriven?.attributes['redstream.entry_id']).not.toBe(
          retried?.attributes['redstream.entry_id'],
        );
        expect(redriven?.events.map((event) => event.name)).toEqual(['ack']);
        expect(redriven?.status.code).toBe(1);

        // Reads are spans of their own (a read serves events of many traces).
        const receives = byName(spans, `receive ${topic}`);
        expect(receives.length).toBeGreaterThan(0);
        expect(receives[0]?.kind).toBe(SpanKind.CLIENT);
        expect(receives[0]?.attributes).toMatchObject({
          'messaging.operation.type': 'receive',
          'messaging.batch.message_count': 1,
          'messaging.consumer.group.name': 'order-workers',
        });
        // Probes and scrapes are not traced.
        await fetch(`${address}/readyz`);
        expect(byName(exporter.getFinishedSpans(), 'GET /readyz')).toEqual([]);
      } finally {
        await subscription.close();
        await consumerClient.close();
        await producer.close();
      }
    });
  },
);
