import { partitionFor, type StreamClient } from '@redstream/stream-client';
import type { OrderStatus } from './order-events.js';
import { OrderStateKeys } from './order-state-keys.js';

export interface OrderState {
  orderId: string;
  status: OrderStatus;
  seq: number;
  amount: number;
  /** The replica that applied the latest transition. */
  consumer: string;
  eventId: string;
}

/** The state the handler keeps for one order of a run, or undefined when it saw none of its events. */
export async function readOrderState(
  client: StreamClient,
  { topic, runId, orderId }: { topic: string; runId: string; orderId: string },
): Promise<OrderState | undefined> {
  const info = await client.topics.requireTopic(topic);
  const partition = partitionFor(orderId, orderId, info.partitions);
  const hash = await client.redis.hgetall(
    client.keys.state(topic, partition, OrderStateKeys.order(runId, orderId)),
  );
  if (!hash.status) return undefined;
  return {
    orderId,
    status: hash.status as OrderStatus,
    seq: Number(hash.seq),
    amount: Number(hash.amount),
    consumer: hash.consumer ?? '',
    eventId: hash.eventId ?? '',
  };
}
