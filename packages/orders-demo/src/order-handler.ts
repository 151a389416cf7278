import type { DecodedEvent } from '@redstream/codec';
import {
  type HandlerContext,
  NonRetriableError,
  type RedisClient,
  type Subscription,
} from '@redstream/stream-client';
import { isOrderEventType, type OrderPayload, statusForSeq } from './order-events.js';
import { CounterField, OrderStateKeys } from './order-state-keys.js';

/**
 * What the handler decided about one event:
 * - `applied`: the next transition of its order (or a later one): the order's state moves on;
 * - `duplicate`: this seq of the order was handled before (under another event id): counted,
 *   the state is left alone;
 * - `out-of-order`: a later seq of the order was handled already: counted, the state is left alone;
 * - `foreign-run`: the event belongs to another run than the one this replica serves: skipped.
 */
export type OrderOutcome = 'applied' | 'duplicate' | 'out-of-order' | 'foreign-run';

export interface OrderHandlerOptions {
  /** This replica's consumer name, for the per-consumer counter. */
  consumer: string;
  /** When set, events of other runs are acknowledged without effects (see the README). */
  runId?: string;
  /** Called once per handled event with the decision (metrics). */
  onOutcome?: (outcome: OrderOutcome, event: DecodedEvent<OrderPayload>) => void;
}

/** Events whose effects are on their way to the ack-and-mark step, by event id. */
const MAX_TRACKED = 50_000;

/**
 * The demo's consumer logic. Each order's state lives in Redis and changes only through
 * `ctx.effects`, which the stream client applies in the same atomic step as the ack and the
 * event's dedupe marker: a redelivered event (a replica killed between handler and ack) either
 * finds its effects applied already (dedupe hit: nothing happens twice) or applies them now.
 *
 * Counters per partition and run (see OrderStateKeys) make single delivery and per-key order
 * visible: handled (total and per consumer), duplicates (a seq of an order seen before, kept
 * in a bitmap per order so it is detectable under `ordering: 'none'` too), order violations
 * (an event after a later seq of its order), redeliveries (attempt > 1, plus dedupe-marker
 * hits counted from the subscription's `consumer.duplicate` event via `attach`).
 */
export class OrderHandler {
  private readonly consumer: string;
  private readonly runId: string | undefined;
  private readonly onOutcome: OrderHandlerOptions['onOutcome'];
  /** event id -> counters key, until the event is settled (to count dedupe hits). */
  private readonly inFlight = new Map<string, string>();

  constructor(options: OrderHandlerOptions) {
    this.consumer = options.consumer;
    this.runId = options.runId;
    this.onOutcome = options.onOutcome;
  }

  /** The subscription handler: `client.subscribe({ ..., handler: orders.handle })`. */
  readonly handle = async (
    event: DecodedEvent<OrderPayload>,
    ctx: HandlerContext,
  ): Promise<void> => {
    const order = event.payload;
    if (this.runId !== undefined && order.runId !== this.runId) {
      this.onOutcome?.('foreign-run', event);
      return;
    }
    checkEvent(event);

    const { runId, orderId, seq } = order;
    const countersKey = ctx.stateKey(OrderStateKeys.counters(runId));
    const seenKey = ctx.stateKey(OrderStateKeys.seen(runId, orderId));
    const maxSeqKey = ctx.stateKey(OrderStateKeys.maxSeq(runId));
    // Reads go out together (auto-pipelined); writes wait for the atomic step with the ack.
    const [seenBit, maxSeqText] = await Promise.all([
      ctx.redis.getbit(seenKey, seq),
      ctx.redis.zscore(maxSeqKey, orderId),
    ]);
    const maxSeq = maxSeqText === null ? 0 : Number(maxSeqText);
    const outcome: OrderOutcome =
      seenBit === 1 ? 'duplicate' : seq < maxSeq ? 'out-of-order' : 'applied';

    const { effects } = ctx;
    effects
      .hincrby(countersKey, CounterField.handled, 1)
      .hincrby(countersKey, CounterField.handledBy(this.consumer), 1);
    if (ctx.attempt > 1) effects.hincrby(countersKey, CounterField.redeliveries, 1);
    if (outcome === 'duplicate') {
      effects.hincrby(countersKey, CounterField.duplicates, 1);
      ctx.log.warn(
        { orderId, seq },
        'duplicate transition: this seq of the order was handled before',
      );
    } else {
      effects.command('SETBIT', seenKey, seq, 1);
      if (outcome === 'out-of-order') {
        effects.hincrby(countersKey, CounterField.orderViolations, 1);
        ctx.log.warn(
          { orderId, seq, maxSeq },
          'order violation: a later event of this order was handled first',
        );
      } else {
        effects.command('ZADD', maxSeqKey, 'GT', seq, orderId);
        effects.hset(ctx.stateKey(OrderStateKeys.order(runId, orderId)), {
          status: order.status,
          seq,
          amount: order.amount,
          consumer: this.consumer,
          eventId: event.id,
        });
      }
    }
    this.track(event.id, countersKey);
    this.onOutcome?.(outcome, event);
  };

  /**
   * Counts dedupe-marker hits of `subscription` (an event whose effects were applied already
   * arrives again: the stream client skips its effects and emits `consumer.duplicate`). This
   * counter is written on its own, not atomically with anything: it can only ever undercount,
   * by the hits of a replica that dies right after one.
   */
  attach(subscription: Subscription, redis: RedisClient): () => void {
    const settled = ({ eventId }: { eventId?: string | undefined }) => {
      if (eventId !== undefined) this.inFlight.delete(eventId);
    };
    const stops = [
      subscription.on('consumer.duplicate', ({ eventId }) => {
        const countersKey = this.inFlight.get(eventId);
        this.inFlight.delete(eventId);
        if (countersKey === undefined) return;
        redis.hincrby(countersKey, CounterField.dedupeHits, 1).catch(() => {
          // A lost increment only undercounts a diagnostic; processing goes on.
        });
      }),
      subscription.on('consumer.handled', settled),
      subscription.on('consumer.failed', settled),
      subscription.on('consumer.dead-lettered', settled),
    ];
    return () => {
      for (const stop of stops) stop();
    };
  }

  private track(eventId: string, countersKey: string): void {
    this.inFlight.set(eventId, countersKey);
    // Events that end without a settle event (their partition was lost) are forgotten oldest first.
    if (this.inFlight.size > MAX_TRACKED) {
      const oldest = this.inFlight.keys().next().value;
      if (oldest !== undefined) this.inFlight.delete(oldest);
    }
  }
}

/**
 * An order event that is inconsistent in itself cannot become valid by retrying: it goes to
 * the dead letters. (The schemas already tie the status to the event type.)
 */
function checkEvent(event: DecodedEvent<OrderPayload>): void {
  const order = event.payload;
  if (!isOrderEventType(event.type))
    throw new NonRetriableError(`not an order event: type ${JSON.stringify(event.type)}`);
  if (event.key !== order.orderId)
    throw new NonRetriableError(
      `order event keyed ${JSON.stringify(event.key)} but its orderId is ${JSON.stringify(order.orderId)}: the key must be the order id`,
    );
  if (order.status !== statusForSeq(order.seq))
    throw new NonRetriableError(
      `order ${order.orderId} seq ${order.seq} must be ${statusForSeq(order.seq)}, got ${order.status}`,
    );
}
