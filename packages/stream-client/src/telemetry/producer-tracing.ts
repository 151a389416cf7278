import { context, SpanKind, trace } from '@opentelemetry/api';
import type { EventInput } from '@redstream/codec';
import type { PublishResult } from '../producer/producer.js';
import {
  contextFromHeaders,
  MESSAGING_SYSTEM,
  MessagingAttribute,
  messagingTracer,
  recordFailure,
  runInSpan,
  withTraceHeaders,
} from './messaging-tracer.js';

/**
 * One `send <topic>` span (kind PRODUCER) around a publish or a batch of them. Its context
 * goes into each event's headers, so every consumer's `process` span is its child. The
 * parent is the active context (the HTTP request's span in the producer service); with none
 * active, a `traceparent` the caller put in a single event's headers continues that trace.
 */
export function traceSend<P>(
  topic: string,
  events: ReadonlyArray<EventInput<P>>,
  send: (events: ReadonlyArray<EventInput<P>>) => Promise<PublishResult[]>,
): Promise<PublishResult[]> {
  const active = context.active();
  const only = events.length === 1 ? events[0] : undefined;
  const parent =
    trace.getSpan(active) === undefined && only?.headers?.traceparent !== undefined
      ? contextFromHeaders(only.headers)
      : active;
  const span = messagingTracer().startSpan(`send ${topic}`, SEND_SPAN, parent);
  // No SDK (or not sampled): nothing to record and no context worth sending along.
  if (!span.isRecording()) return send(events);
  span.setAttributes({
    [MessagingAttribute.system]: MESSAGING_SYSTEM,
    [MessagingAttribute.operationType]: 'send',
    [MessagingAttribute.operationName]: 'send',
    [MessagingAttribute.destination]: topic,
  });
  if (events.length !== 1) span.setAttribute(MessagingAttribute.batchCount, events.length);
  const spanContext = trace.setSpan(parent, span);
  const traced = events.map((event) => ({
    ...event,
    headers: withTraceHeaders(event.headers, spanContext),
  }));
  return runInSpan(parent, span, () => send(traced)).then(
    (results) => {
      const [first] = results;
      if (results.length === 1 && first) {
        span.setAttribute(MessagingAttribute.messageId, first.eventId);
        span.setAttribute(MessagingAttribute.entryId, first.entryId);
      }
      const partitions = new Set(results.map((result) => result.partition));
      if (partitions.size === 1 && first)
        span.setAttribute(MessagingAttribute.partition, String(first.partition));
      span.end();
      return results;
    },
    (error: unknown) => {
      recordFailure(span, error);
      span.end();
      throw error;
    },
  );
}

const SEND_SPAN = Object.freeze({ kind: SpanKind.PRODUCER });
