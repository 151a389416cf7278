import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** Attributes worth showing in a trace printed for the docs (the rest are HTTP details). */
const SHOWN = /^(messaging\.|redstream\.|http\.route|http\.response\.status_code|error\.type)/;

/**
 * One trace as an indented tree, parents before children, siblings by start time: one line
 * per span (`name [KIND] status`), then its attributes, events and links. What
 * docs/observability.md shows.
 */
export function formatTrace(spans: readonly ReadableSpan[], traceId: string): string {
  const inTrace = spans
    .filter((span) => span.spanContext().traceId === traceId)
    .sort((a, b) => toMs(a.startTime) - toMs(b.startTime));
  const ids = new Set(inTrace.map((span) => span.spanContext().spanId));
  const lines: string[] = [`trace ${traceId}`];
  const print = (span: ReadableSpan, depth: number) => {
    const pad = '  '.repeat(depth + 1);
    const status = span.status.code === 2 ? ` ERROR: ${span.status.message}` : '';
    lines.push(`${pad}${span.name} [${SpanKind[span.kind]}]${status}`);
    for (const [key, value] of Object.entries(span.attributes))
      if (SHOWN.test(key)) lines.push(`${pad}    ${key} = ${JSON.stringify(value)}`);
    for (const event of span.events) {
      const fields = Object.entries(event.attributes ?? {})
        .filter(([key]) => !key.startsWith('exception.stacktrace'))
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`);
      lines.push(`${pad}    event ${event.name}${fields.length ? ` ${fields.join(' ')}` : ''}`);
    }
    for (const link of span.links) lines.push(`${pad}    link -> span ${link.context.spanId}`);
    for (const child of inTrace)
      if (child.parentSpanContext?.spanId === span.spanContext().spanId) print(child, depth + 1);
  };
  for (const span of inTrace) {
    const parent = span.parentSpanContext?.spanId;
    if (parent === undefined || !ids.has(parent)) {
      if (parent) lines.push(`  (parent ${parent}: the caller's span, not recorded here)`);
      print(span, 0);
    }
  }
  return lines.join('\n');
}

function toMs([seconds, nanos]: [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}
