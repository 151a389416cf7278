import type { DeadLetter } from '@redstream/stream-client';
import type { DeadLetterDetail, DeadLetterSummary } from './dashboard-view.js';

export function summarizeDeadLetter(deadLetter: DeadLetter): DeadLetterSummary {
  return {
    partition: deadLetter.partition,
    id: deadLetter.id,
    group: deadLetter.group,
    consumer: deadLetter.consumer,
    reason: deadLetter.reason,
    error: deadLetter.error,
    attempts: deadLetter.attempts,
    failedAt: deadLetter.failedAt,
    originId: deadLetter.originId,
    eventType: deadLetter.event?.type ?? null,
    eventKey: deadLetter.event?.key ?? null,
  };
}

/** One dead letter for reading: the decoded event as JSON, every stored field as text or hex. */
export function detailDeadLetter(deadLetter: DeadLetter): DeadLetterDetail {
  return {
    ...summarizeDeadLetter(deadLetter),
    event: deadLetter.event ? toJsonSafe(deadLetter.event) : null,
    envelope: deadLetter.envelope.map(textOrHex),
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function textOrHex(field: Buffer): { text: string } | { hex: string } {
  try {
    const text = utf8.decode(field);
    // Control characters other than whitespace mean bytes, not text (MessagePack payloads).
    // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point of the check
    if (!/[\u0000-\u0008\u000e-\u001f]/.test(text)) return { text };
  } catch {
    // Not UTF-8.
  }
  return { hex: field.toString('hex') };
}

/** Payloads may hold Buffers (MessagePack bin), bigints or dates: make them JSON. */
function toJsonSafe(value: unknown): unknown {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array)
    return { hex: Buffer.from(value).toString('hex') };
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSafe(v)]));
  return value;
}
