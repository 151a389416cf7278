import { setTimeout as sleep } from 'node:timers/promises';
import { OrderHandler, type OrderPayload, type OrderRegistry } from '@redstream/orders-demo';
import {
  type DecodedEvent,
  type HandlerContext,
  type Middleware,
  type StreamClient,
  type Subscription,
  TopicNotFoundError,
  type TypedHandlers,
} from '@redstream/stream-client';
import type { Logger } from 'pino';
import type { ConsumerConfig } from './config.js';
import type { ConsumerServiceMetrics } from './consumer-service-metrics.js';
import { OrderViolationLog } from './order-violation-log.js';

/** Debug logging around every handler; ctx.log carries the event id, type, partition and trace id. */
const logHandled: Middleware = (next) => async (event, ctx) => {
  await next(event, ctx);
  const order = event.payload as OrderPayload;
  ctx.log.debug({ orderId: order.orderId, seq: order.seq }, 'order event handled');
};

/** Room left inside the shutdown grace period for closing connections and the HTTP server. */
const SHUTDOWN_MARGIN_MS = 2000;

/**
 * Joins the group as one replica running the demo's order handler. With PARTITIONS set the
 * topic is created (or checked: a different stored count is a startup error); without it the
 * replica waits for a producer to create the topic and takes the stored count.
 */
export async function startOrderWorker(
  client: StreamClient,
  config: ConsumerConfig,
  {
    logger,
    metrics,
    signal,
    violationSummaryMs,
  }: {
    logger: Logger;
    metrics: ConsumerServiceMetrics;
    signal: AbortSignal;
    /** ORDERING=none: how often the count of order violations is logged. */
    violationSummaryMs?: number;
  },
): Promise<Subscription | undefined> {
  if (config.partitions !== undefined) {
    await client.ensureTopic(config.topic, { partitions: config.partitions });
  } else if (!(await waitForTopic(client, config.topic, logger, signal))) {
    return undefined;
  }
  const violations =
    config.ordering === 'none' ? new OrderViolationLog(logger, violationSummaryMs) : undefined;
  const orders = new OrderHandler({
    consumer: config.consumerName,
    ...(config.runId ? { runId: config.runId } : {}),
    onOutcome: (outcome) => {
      metrics.recordOutcome(outcome);
      if (outcome === 'out-of-order') violations?.count();
    },
  });
  const debug = logger.isLevelEnabled('debug');
  // Every status change is the same transition of the order's state machine.
  const transition = (event: DecodedEvent<OrderPayload>, ctx: HandlerContext) =>
    orders.handle(event, violations ? violations.quiet(ctx) : ctx);
  const subscription = await client.subscribe<OrderPayload>({
    topic: config.topic,
    group: config.group,
    consumer: config.consumerName,
    ...(config.partitions !== undefined ? { partitions: config.partitions } : {}),
    concurrency: config.concurrency,
    maxDeliveries: config.maxDeliveries,
    startFrom: config.startFrom,
    // The ordering and the options only its mode reads, together, so the types can check them.
    ...(config.ordering === 'key'
      ? {
          ordering: 'key' as const,
          sessionTimeoutMs: config.sessionTimeoutMs,
          heartbeatIntervalMs: config.heartbeatIntervalMs,
        }
      : { ordering: 'none' as const, claimIdleMs: config.claimIdleMs }),
    drainTimeoutMs: Math.max(500, config.shutdownGraceMs - SHUTDOWN_MARGIN_MS),
    handlerTimeoutMs: config.handlerTimeoutMs,
    progressTimeoutMs: config.progressTimeoutMs,
    // One handler per order event type; any other type is dead-lettered (`no-handler`).
    handlers: {
      'order.created': transition,
      'order.paid': transition,
      'order.shipped': transition,
      'order.delivered': transition,
    } satisfies TypedHandlers<OrderRegistry>,
    middleware: debug ? [logHandled] : [],
  });
  orders.attach(subscription, client.redis);
  if (violations) subscription.on('consumer.stopped', () => violations.stop());
  return subscription;
}

async function waitForTopic(
  client: StreamClient,
  topic: string,
  logger: Logger,
  signal: AbortSignal,
): Promise<boolean> {
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      await client.topics.requireTopic(topic);
      return true;
    } catch (error) {
      if (!(error instanceof TopicNotFoundError)) throw error;
      if (attempt === 0)
        logger.info(
          { topic },
          'waiting for the topic to be created (set PARTITIONS to create it here)',
        );
      client.topics.invalidate(topic);
      await sleep(1000, undefined, { signal }).catch(() => {});
    }
  }
  return false;
}
