import type { DecodedEvent } from '@redstream/codec';
import { bench, describe } from 'vitest';
import type { HandlerContext } from '../src/consumer/handler-context.js';
import { Instrumentation } from '../src/consumer/instrumentation.js';
import type { PublishResult } from '../src/producer/producer.js';
import { ConsumerTracing } from '../src/telemetry/consumer-tracing.js';
import { traceSend } from '../src/telemetry/producer-tracing.js';

/**
 * What tracing costs a library user who registered no OpenTelemetry SDK (the default): the
 * per-event work around a handler run and around a publish, against the bare calls.
 * `pnpm --filter @redstream/stream-client exec vitest bench --run test/tracing-overhead.bench.ts`;
 * results in docs/observability.md.
 */
const event = {
  id: '01a22fd2-e356-71ab-896e-22ebcf2e3a71',
  type: 'order.created',
  key: 'order-7',
  headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
  payload: { orderId: 'order-7' },
} as unknown as DecodedEvent<never>;
const ctx = { partition: 3, entryId: '1796098679639-0', attempt: 1 } as HandlerContext;
/** What the handler touches, so the call is not optimised away. */
const seen = { count: 0 };
const handler = (_event: DecodedEvent<never>, handlerContext: HandlerContext) => {
  seen.count += handlerContext.attempt;
};
const tracing = new ConsumerTracing(
  { topic: 'orders', group: 'order-workers', consumer: 'consumer-0', ordering: 'key' },
  new Instrumentation(),
);
const traced = tracing.wrap(handler);

describe('a handler run', () => {
  bench('bare handler call', () => {
    handler(event, ctx);
  });
  bench('through the tracing wrapper, no SDK', () => {
    traced(event, ctx);
  });
});

const results: PublishResult[] = [{ eventId: 'e', entryId: '1-0', partition: 0, duplicate: false }];
const send = () => Promise.resolve(results);
const input = [{ type: 'order.created', payload: {} }];

describe('a publish', () => {
  bench('bare send', async () => {
    await send();
  });
  bench('through traceSend, no SDK', async () => {
    await traceSend('orders', input, send);
  });
});
