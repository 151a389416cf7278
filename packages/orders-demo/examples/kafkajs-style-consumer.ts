/**
 * A complete consumer written the KafkaJS way: create it, listen to its lifecycle, start it,
 * handle events a batch at a time (`eachBatch` with `resolveOffset`), and pause while the sink
 * is overloaded. Run it: `pnpm --filter @redstream/orders-demo exec tsx examples/kafkajs-style-consumer.ts`
 * (REDIS_URL, default redis://127.0.0.1:6379) (it consumes the demo's `orders` topic).
 */
import {
  createStreamClient,
  type EventBatch,
  type StreamClient,
  type Subscription,
} from '@redstream/stream-client';
import { createOrderRegistry, type OrderPayload } from '../src/index.js';

/** The sink: a warehouse table that takes rows in bulk and is sometimes too busy. */
export interface OrderSink {
  insert(rows: OrderPayload[], signal: AbortSignal): Promise<void>;
  /** True when the sink asks its writers to back off for a while. */
  readonly overloaded: boolean;
}

export interface KafkaJsStyleOptions {
  url: string;
  topic?: string;
  group?: string;
  consumer?: string;
  sink: OrderSink;
}

export async function startKafkaJsStyleConsumer(
  options: KafkaJsStyleOptions,
): Promise<{ client: StreamClient; subscription: Subscription; stop: () => Promise<void> }> {
  const client = await createStreamClient({
    url: options.url,
    codec: { contentType: 'msgpack', registry: createOrderRegistry() },
  });
  const { sink } = options;

  // new Kafka(...).consumer({ groupId }) + consumer.run({ eachBatch }): made, not started yet.
  const subscription = client.subscription<OrderPayload>({
    topic: options.topic ?? 'orders',
    group: options.group ?? 'warehouse',
    consumer: options.consumer ?? 'warehouse-1',
    ordering: 'key',
    concurrency: 64,
    batch: { maxSize: 64, maxWaitMs: 25 },
    batchHandler: async (batch: EventBatch<OrderPayload>) => {
      await sink.insert(
        batch.events.map((event) => event.payload),
        batch.signal,
      );
      // resolveOffset: every event of the batch is done (a throw before this retries them).
      for (const event of batch.events) batch.resolve(event);
      // consumer.pause(): stop fetching while the sink asks for it; leases stay ours.
      if (sink.overloaded && subscription.paused !== 'all') {
        await subscription.pause();
        setTimeout(() => subscription.resume(), 200).unref();
      }
    },
  });

  // consumer.on(consumer.events.GROUP_JOIN, ...): listeners attached before start see everything.
  subscription.on('consumer.partition.assigned', ({ partition, epoch }) =>
    client.logger.info({ partition, epoch }, 'partition assigned'),
  );
  subscription.on('consumer.rebalance', ({ assigned }) =>
    client.logger.info({ assigned }, 'rebalanced'),
  );

  await subscription.start(); // consumer.connect() + consumer.subscribe() + consumer.run()
  await subscription.whenAssigned(); // owns its partitions now

  return {
    client,
    subscription,
    stop: async () => {
      await subscription.close(); // consumer.disconnect(): drains, acks, releases leases
      await client.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows: OrderPayload[] = [];
  const { stop } = await startKafkaJsStyleConsumer({
    url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    sink: {
      overloaded: false,
      insert: async (batch) => void rows.push(...batch),
    },
  });
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
