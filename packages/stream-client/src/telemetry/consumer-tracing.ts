import {
  type Attributes,
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { DecodedEvent } from '@redstream/codec';
import type { HandlerContext } from '../consumer/handler-context.js';
import type { ConsumerEvents, Instrumentation } from '../consumer/instrumentation.js';
import {
  contextFromHeaders,
  MESSAGING_SYSTEM,
  MessagingAttribute,
  messagingTracer,
  recordFailure,
} from './messaging-tracer.js';

type Handler = (event: DecodedEvent<never>, ctx: HandlerContext) => unknown;

interface TracedSubscription {
  topic: string;
  group: string;
  consumer: string;
  ordering: 'none' | 'key';
}

/**
 * The consumer's spans, built on the subscription's instrumentation events and a wrapper
 * around its handler, so the consumption modes know nothing of tracing:
 *
 * - `receive <topic>` (CLIENT) for each read that returned entries (`consumer.read`);
 * - `process <topic>` (CONSUMER) for each run of the handler, a child of the producer's
 *   `send` context from the event's `traceparent` header (and linked to it), active while the
 *   handler runs. It stays open until the run is settled: the ack (`handled`, `duplicate`),
 *   a retry (in place, or scheduled with its delay), the dead letter with its reason, or the
 *   entry lost with the partition or the subscription (`fenced`, `abandoned`).
 *
 * Without an SDK every span is the API's no-op span: the wrapper costs an extract, a
 * startSpan and a context.with per event (measured in test/tracing-overhead.bench.ts), and no
 * settlement listener is attached until a span records.
 */
export class ConsumerTracing {
  private readonly open = new Map<string, Span>();
  private settlementListening = false;
  private readonly baseAttributes: Attributes;

  constructor(
    private readonly subscription: TracedSubscription,
    private readonly instrumentation: Instrumentation,
  ) {
    this.baseAttributes = {
      [MessagingAttribute.system]: MESSAGING_SYSTEM,
      [MessagingAttribute.destination]: subscription.topic,
      [MessagingAttribute.group]: subscription.group,
      [MessagingAttribute.clientId]: subscription.consumer,
    };
    instrumentation.on('consumer.read', (read) => this.receive(read));
  }

  /** The handler, each run inside its `process` span. */
  wrap<H extends Handler>(handler: H): H {
    const run: Handler = handler;
    const name = `process ${this.subscription.topic}`;
    const traced = (event: DecodedEvent<never>, ctx: HandlerContext): unknown => {
      const producer = contextFromHeaders(event.headers);
      // Attributes and the link are set only on a recording span: building them for the
      // no-op span would be most of what tracing costs without an SDK.
      const span = messagingTracer().startSpan(name, PROCESS_SPAN, producer);
      if (span.isRecording()) this.startRun(span, producer, event, ctx);
      // No SDK: no propagator found a context and the span is the no-op one; nothing to
      // make active, and a new context per event would cost more than all the rest.
      else if (producer === ROOT_CONTEXT) return run(event, ctx);
      return context.with(trace.setSpan(producer, span), run, undefined, event, ctx);
    };
    return traced as H;
  }

  private startRun(
    span: Span,
    producer: Context,
    event: DecodedEvent<never>,
    ctx: HandlerContext,
  ): void {
    span.setAttributes(this.baseAttributes);
    span.setAttributes({
      [MessagingAttribute.operationType]: 'process',
      [MessagingAttribute.operationName]: 'process',
      [MessagingAttribute.partition]: String(ctx.partition),
      [MessagingAttribute.messageId]: event.id,
      [MessagingAttribute.entryId]: ctx.entryId,
      [MessagingAttribute.eventType]: event.type,
      [MessagingAttribute.attempt]: ctx.attempt,
      [MessagingAttribute.retries]: ctx.attempt - 1,
    });
    const producerSpan = trace.getSpanContext(producer);
    if (producerSpan) span.addLink({ context: producerSpan });
    this.listenForSettlement();
    const key = entryKey(ctx.partition, ctx.entryId);
    this.open.get(key)?.end();
    this.open.set(key, span);
  }

  private receive(read: ConsumerEvents['consumer.read']): void {
    const tracer = messagingTracer();
    const endTime = Date.now();
    const partitions = [...new Set(read.partitions)];
    const span = tracer.startSpan(`receive ${this.subscription.topic}`, {
      kind: SpanKind.CLIENT,
      startTime: endTime - read.durationMs,
      attributes: {
        ...this.baseAttributes,
        [MessagingAttribute.operationType]: 'receive',
        [MessagingAttribute.operationName]: 'receive',
        [MessagingAttribute.batchCount]: read.count,
        ...(partitions.length === 1
          ? { [MessagingAttribute.partition]: String(partitions[0]) }
          : {}),
      },
    });
    span.end(endTime);
  }

  /** Attached on the first recording span: without an SDK the hot path builds no payloads. */
  private listenForSettlement(): void {
    if (this.settlementListening) return;
    this.settlementListening = true;
    const on = this.instrumentation.on.bind(this.instrumentation);
    on('consumer.handled', (e) => this.settle(e, 'handled', 'ack'));
    on('consumer.duplicate', (e) => this.settle(e, 'duplicate', 'ack'));
    on('consumer.skipped', (e) => this.settle(e, 'skipped', 'ack'));
    on('consumer.failed', (e) => {
      const span = this.open.get(entryKey(e.partition, e.entryId));
      if (!span) return;
      recordFailure(span, e.error);
      // Ordering none schedules the retry next (consumer.retry.scheduled) and a run that
      // will not be retried goes to the dead letters next: the span ends there.
      if (!e.willRetry || this.subscription.ordering === 'none') return;
      this.finish(e, 'retry');
    });
    on('consumer.retry.scheduled', (e) =>
      this.finish(e, 'retry', 'retry scheduled', { [MessagingAttribute.retryDelayMs]: e.delayMs }),
    );
    on('consumer.dead-lettered', (e) =>
      this.finish(e, 'dead-lettered', 'dead-letter', {
        [MessagingAttribute.deadLetterReason]: e.reason,
      }),
    );
    on('consumer.partition.lost', ({ partition }) => this.finishPartition(partition, 'fenced'));
    on('consumer.stopped', () => this.finishPartition(undefined, 'abandoned'));
  }

  private settle(
    e: { partition: number; entryId: string },
    outcome: string,
    settlement: string,
  ): void {
    const span = this.open.get(entryKey(e.partition, e.entryId));
    span?.setStatus({ code: SpanStatusCode.OK });
    this.finish(e, outcome, settlement);
  }

  /** Ends the run's span with its outcome, the settlement as a span event. */
  private finish(
    e: { partition: number; entryId: string },
    outcome: string,
    settlement?: string,
    attributes: Attributes = {},
  ): void {
    const key = entryKey(e.partition, e.entryId);
    const span = this.open.get(key);
    if (!span) return;
    this.open.delete(key);
    span.setAttribute(MessagingAttribute.outcome, outcome);
    if (settlement) span.addEvent(settlement, attributes);
    else span.setAttributes(attributes);
    span.end();
  }

  /** Runs that will never settle here: their partition was lost, or the subscription stopped. */
  private finishPartition(partition: number | undefined, outcome: string): void {
    for (const [key, span] of this.open) {
      if (partition !== undefined && !key.startsWith(`${partition}/`)) continue;
      this.open.delete(key);
      span.setAttribute(MessagingAttribute.outcome, outcome);
      span.end();
    }
  }
}

const PROCESS_SPAN = Object.freeze({ kind: SpanKind.CONSUMER });

function entryKey(partition: number, entryId: string): string {
  return `${partition}/${entryId}`;
}
