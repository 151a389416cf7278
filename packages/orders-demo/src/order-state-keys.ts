/**
 * The one place that names the demo's handler state. These are names, not keys: a handler
 * turns them into keys with `ctx.stateKey(name)` (so they share the partition's hash slot and
 * change atomically with the ack), and the report with `client.keys.state(topic, p, name)`.
 * Everything of a run sits under its run id, so runs against one Redis never mix.
 */
export const OrderStateKeys = {
  /** Hash per partition: handled, handled:<consumer>, duplicates, orderViolations, redeliveries, dedupeHits. */
  counters(runId: string): string {
    return `orders-demo:${runId}:counters`;
  },

  /** Bitmap per order: bit `seq` is set once event `seq` of the order was handled. */
  seen(runId: string, orderId: string): string {
    return `orders-demo:${runId}:seen:${orderId}`;
  },

  /** Sorted set per partition: order id -> highest seq handled (only ever grows: ZADD GT). */
  maxSeq(runId: string): string {
    return `orders-demo:${runId}:max-seq`;
  },

  /** Hash per order: its current status, seq, amount and the replica that applied it. */
  order(runId: string, orderId: string): string {
    return `orders-demo:${runId}:order:${orderId}`;
  },
} as const;

/** Field names of the counters hash. */
export const CounterField = {
  handled: 'handled',
  duplicates: 'duplicates',
  orderViolations: 'orderViolations',
  redeliveries: 'redeliveries',
  dedupeHits: 'dedupeHits',
  handledBy: (consumer: string) => `handled:${consumer}`,
  handledByPrefix: 'handled:',
} as const;
