import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';

/**
 * What the stream client's spans share: the tracer and the attribute names of the
 * OpenTelemetry messaging conventions. Only `@opentelemetry/api` is imported: without an SDK
 * registered every tracer is the API's no-op one, and a span costs an object and a check.
 */
export const TRACER_NAME = '@redstream/stream-client';

/**
 * The API's proxy tracer: it forwards to the SDK's tracer once one is registered, so a client
 * created before the SDK started still records.
 */
const tracer = trace.getTracer(TRACER_NAME);

export function messagingTracer(): Tracer {
  return tracer;
}

export const MessagingAttribute = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  group: 'messaging.consumer.group.name',
  clientId: 'messaging.client.id',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  /** Not in the conventions: the stream entry id, the position in the partition. */
  entryId: 'redstream.entry_id',
  eventType: 'redstream.event.type',
  /** 1 for the first delivery, 2 for the first retry, ... */
  attempt: 'redstream.attempt',
  /** Retries before this run (attempt - 1). */
  retries: 'redstream.retries',
  /** How the run ended: handled, duplicate, retry, dead-lettered, skipped, fenced, abandoned. */
  outcome: 'redstream.outcome',
  deadLetterReason: 'redstream.dead_letter.reason',
  retryDelayMs: 'redstream.retry.delay_ms',
} as const;

/** messaging.system: not one of the conventions' well-known values, so the backend's name. */
export const MESSAGING_SYSTEM = 'redis';

/**
 * The W3C trace context (`traceparent`, `tracestate`, and baggage when a propagator for it is
 * registered) of `ctx`, added to an event's headers: the envelope carries it to consumers,
 * retries and redrives. Headers the caller set are kept unless a propagator writes the same name.
 */
export function withTraceHeaders(
  headers: Readonly<Record<string, string>> | undefined,
  ctx: Context,
): Record<string, string> {
  const carrier: Record<string, string> = { ...headers };
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The producer's context from an event's headers (the root context when there is none). */
export function contextFromHeaders(headers: Readonly<Record<string, string>>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** Marks a span failed with the error, as the conventions ask (`error.type`, an exception event). */
export function recordFailure(span: Span, error: unknown): void {
  const failure = error instanceof Error ? error : new Error(String(error));
  span.recordException(failure);
  span.setAttribute('error.type', (failure as { code?: string }).code ?? failure.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
}

/** Runs `fn` with `span` active, so spans the callee starts (and HTTP calls it makes) are children. */
export function runInSpan<T>(parent: Context, span: Span, fn: () => T): T {
  return context.with(trace.setSpan(parent, span), fn);
}
