import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { uniqueName, waitFor } from '@redstream/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { loose } from './helpers/loose-options.js';
import { useRedis } from './helpers/redis.js';
import { FAST, MODES } from './helpers/settle-contracts.js';

/**
 * The stream client's spans with an SDK registered (this file's process only): a batch is one
 * `send` whose context every event carries, the handler runs inside its `process` span (so
 * its own spans are children), and a read is a `receive`. The end-to-end trace from an HTTP
 * request through a retry and a redrive is services/producer/test/tracing.test.ts.
 */
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

const env = useRedis();

describe.each(MODES)('tracing (ordering %s)', (ordering) => {
  it('one send span for a batch, each event its child, handler spans nested in process', async () => {
    const client = await env.client();
    const topic = uniqueName('traced');
    await client.ensureTopic(topic, { partitions: 2 });
    const handlerSpans: string[] = [];
    const subscription = await client.subscribe(
      loose({
        ...FAST[ordering],
        topic,
        group: 'g',
        consumer: 'c-1',
        ordering,
        handler: async (event) => {
          // Work the handler traces itself lands under its process span.
          const span = trace.getTracer('app').startSpan(`charge ${event.key}`);
          handlerSpans.push(span.spanContext().spanId);
          span.end();
        },
      }),
    );
    const parent = trace.getTracer('app').startSpan('request');
    await context.with(trace.setSpan(context.active(), parent), () =>
      client.producer().publishMany(topic, [
        { type: 't', key: 'a', payload: 1 },
        { type: 't', key: 'b', payload: 2, headers: { tenant: 'x' } },
        { type: 't', key: 'c', payload: 3 },
      ]),
    );
    parent.end();
    const finished = () => exporter.getFinishedSpans();
    await waitFor(() => finished().filter((s) => s.name === `process ${topic}`).length === 3, {
      description: 'three process spans',
    });
    await subscription.close();

    const spans = finished().filter(
      (span) => span.spanContext().traceId === parent.spanContext().traceId,
    );
    const sends = spans.filter((span) => span.name === `send ${topic}`);
    expect(sends).toHaveLength(1);
    const [send] = sends;
    expect(send?.kind).toBe(SpanKind.PRODUCER);
    expect(send?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(send?.attributes['messaging.batch.message_count']).toBe(3);
    const processes = spans.filter((span) => span.name === `process ${topic}`);
    expect(processes).toHaveLength(3);
    for (const run of processes) {
      expect(run.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
      expect(run.attributes).toMatchObject({
        'messaging.consumer.group.name': 'g',
        'redstream.outcome': 'handled',
        'redstream.attempt': 1,
      });
    }
    const charges = spans.filter((span) => span.name.startsWith('charge '));
    expect(charges.map((span) => span.spanContext().spanId).sort()).toEqual(
      [...handlerSpans].sort(),
    );
    for (const charge of charges)
      expect(processes.map((run) => run.spanContext().spanId)).toContain(
        charge.parentSpanContext?.spanId,
      );
    // The event's own headers travel beside the trace context.
    const [stored] = await client.redis.xrange(client.keys.partitionStream(topic, 0), '-', '+');
    const [other] = await client.redis.xrange(client.keys.partitionStream(topic, 1), '-', '+');
    expect(JSON.stringify([stored, other])).toContain('traceparent');
    const receives = finished().filter((span) => span.name === `receive ${topic}`);
    expect(receives.length).toBeGreaterThan(0);
    expect(
      receives.reduce((sum, s) => sum + Number(s.attributes['messaging.batch.message_count']), 0),
    ).toBe(3);
  });

  it('a caller-provided traceparent in a single event continues that trace', async () => {
    const client = await env.client();
    const topic = uniqueName('traced');
    await client.ensureTopic(topic, { partitions: 1 });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await client.producer().publish(topic, { type: 't', payload: 1, headers: { traceparent } });
    const [send] = exporter.getFinishedSpans().filter((span) => span.name === `send ${topic}`);
    expect(send?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(send?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  });
});
