/**
 * A complete consumer written the Watermill way: a router of handlers by event type, each
 * payload typed by the codec registry, with middleware around every handler (a recoverer that
 * logs, a timeout, a throttle) and a poison queue for types nobody handles (the dead-letter
 * stream, reason `no-handler`). Run it: `pnpm --filter @redstream/orders-demo exec tsx examples/watermill-style-router.ts`
 * (REDIS_URL, default redis://127.0.0.1:6379).
 */
import {
  createStreamClient,
  type Middleware,
  type StreamClient,
  type Subscription,
  type TypedHandlers,
  throttle,
  timeout,
} from '@redstream/stream-client';
import { createOrderRegistry, type OrderRegistry } from '../src/index.js';

/** What the router's handlers do; a real service would call its billing and shipping APIs. */
export interface OrderServices {
  charge(orderId: string, amount: number, signal: AbortSignal): Promise<void>;
  ship(orderId: string, items: number): Promise<void>;
}

/** Watermill's `middleware.Recoverer` + logging: a failure is logged with the event, then rethrown for the retry. */
const logFailures: Middleware = (next) => async (event, ctx) => {
  try {
    await next(event, ctx);
  } catch (error) {
    ctx.log.warn({ err: error, attempt: ctx.attempt }, 'handler failed; it will be retried');
    throw error;
  }
};

export async function startWatermillStyleRouter(options: {
  url: string;
  services: OrderServices;
  topic?: string;
  group?: string;
  consumer?: string;
}): Promise<{ client: StreamClient; subscription: Subscription; stop: () => Promise<void> }> {
  const client = await createStreamClient({
    url: options.url,
    codec: { contentType: 'msgpack', registry: createOrderRegistry() },
  });
  const { services } = options;

  // router.AddNoPublisherHandler per type; the payload of each is the registry's type.
  const handlers = {
    'order.paid': (event, ctx) =>
      services.charge(event.payload.orderId, event.payload.amount, ctx.signal),
    'order.shipped': (event) => services.ship(event.payload.orderId, event.payload.items.length),
    // 'order.created' and 'order.delivered' have no handler here: with no fallback they go
    // to the dead-letter stream (the poison queue) with reason `no-handler`.
  } satisfies TypedHandlers<OrderRegistry>;

  const subscription = client.subscription({
    topic: options.topic ?? 'orders',
    group: options.group ?? 'order-router',
    consumer: options.consumer ?? 'router-1',
    ordering: 'key',
    handlers,
    // router.AddMiddleware(...): the first is the outermost.
    middleware: [logFailures, timeout(10_000), throttle({ perSecond: 500, burst: 50 })],
  });
  await subscription.start();
  return {
    client,
    subscription,
    stop: async () => {
      await subscription.close();
      await client.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { stop } = await startWatermillStyleRouter({
    url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    services: {
      charge: async () => {},
      ship: async () => {},
    },
  });
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
