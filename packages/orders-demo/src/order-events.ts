import { SchemaRegistry, type SchemaRegistryOptions } from '@redstream/codec';
import { z } from 'zod';

/** The lifecycle every order goes through, over and over: seq 1 is created, 2 paid, ... 5 created. */
export const ORDER_STATUSES = ['created', 'paid', 'shipped', 'delivered'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_EVENT_TYPES = [
  'order.created',
  'order.paid',
  'order.shipped',
  'order.delivered',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/** Run ids end up inside Redis key names and env variables: keep them short and plain. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const OrderItem = z.object({
  sku: z.string().min(1).max(64),
  qty: z.number().int().positive(),
  unitPrice: z.number().int().nonnegative(),
});

const OrderPayloadBase = z.object({
  runId: z.string().regex(RUN_ID_PATTERN, 'expected 1-64 characters of A-Z a-z 0-9 _ -'),
  orderId: z.string().min(1).max(128),
  seq: z.number().int().positive().max(0xffff_ffff),
  status: z.enum(ORDER_STATUSES),
  amount: z.number().int().nonnegative(),
  items: z.array(OrderItem).min(1).max(100),
});

export type OrderItem = z.infer<typeof OrderItem>;
export type OrderPayload = z.infer<typeof OrderPayloadBase>;

/** One schema per event type: the payload's status must be the type's own. */
function schemaFor(status: OrderStatus) {
  return OrderPayloadBase.extend({ status: z.literal(status) });
}

/**
 * The codec registry of the demo's event types (version 1 of each). Producers validate what
 * they publish with it and consumers what they read. `options.unknownTypes: 'passthrough'` lets
 * other types through unvalidated (the producer's UNKNOWN_TYPES=passthrough).
 */
export function createOrderRegistry(options: SchemaRegistryOptions = {}) {
  return new SchemaRegistry(options)
    .register('order.created', 1, schemaFor('created'))
    .register('order.paid', 1, schemaFor('paid'))
    .register('order.shipped', 1, schemaFor('shipped'))
    .register('order.delivered', 1, schemaFor('delivered'));
}

export type OrderRegistry = ReturnType<typeof createOrderRegistry>;

/** The status an order has after its `seq`-th event. */
export function statusForSeq(seq: number): OrderStatus {
  return ORDER_STATUSES[(seq - 1) % ORDER_STATUSES.length]!;
}

export function eventTypeFor(status: OrderStatus): OrderEventType {
  return `order.${status}`;
}

export function isOrderEventType(type: string): type is OrderEventType {
  return (ORDER_EVENT_TYPES as readonly string[]).includes(type);
}
