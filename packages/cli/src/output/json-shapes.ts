import type { DecodedEvent } from '@redstream/codec';
import type { DeadLetter, GroupLag } from '@redstream/stream-client';

/*
 * The documented `--json` shapes (docs/cli.md). Built field by field rather than passing the
 * library's objects through, so a new field in the library never changes the CLI's contract.
 */

export interface EventJson {
  id: string;
  type: string;
  key: string | null;
  timestamp: number;
  schemaVersion: number;
  contentType: string;
  headers: Record<string, string>;
  payload: unknown;
}

export function eventJson(event: DecodedEvent): EventJson {
  return {
    id: event.id,
    type: event.type,
    key: event.key,
    timestamp: event.timestamp,
    schemaVersion: event.schemaVersion,
    contentType: event.contentType,
    headers: event.headers,
    payload: event.payload,
  };
}

export function groupLagJson(lag: GroupLag) {
  return {
    topic: lag.topic,
    group: lag.group,
    partitions: lag.partitions.map((row) => ({
      partition: row.partition,
      lag: row.lag,
      lagExact: row.lagExact,
      lagSeconds: row.lagSeconds,
      pending: row.pending,
      oldestPendingAgeMs: row.oldestPendingAgeMs,
      retryPending: row.retryPending,
      lastDeliveredId: row.lastDeliveredId,
      owner: row.owner,
      epoch: row.epoch,
      consumers: row.consumers.map((consumer) => ({
        name: consumer.name,
        pending: consumer.pending,
        idleMs: consumer.idleMs,
      })),
    })),
    totals: {
      lag: lag.totals.lag,
      pending: lag.totals.pending,
      retryPending: lag.totals.retryPending,
      maxLagSeconds: lag.totals.maxLagSeconds,
    },
  };
}

export function deadLetterJson(deadLetter: DeadLetter) {
  return {
    partition: deadLetter.partition,
    id: deadLetter.id,
    reason: deadLetter.reason,
    error: deadLetter.error,
    attempts: deadLetter.attempts,
    originId: deadLetter.originId,
    group: deadLetter.group,
    consumer: deadLetter.consumer,
    failedAt: deadLetter.failedAt,
    event: deadLetter.event ? eventJson(deadLetter.event) : null,
  };
}

/** Raw envelope fields as an object: UTF-8 text where the bytes are text, else base64. */
export function envelopeJson(envelope: Buffer[]): Record<string, string | { $base64: string }> {
  const fields: Record<string, string | { $base64: string }> = {};
  for (let i = 0; i + 1 < envelope.length; i += 2) {
    const value = envelope[i + 1]!;
    const text = value.toString('utf8');
    fields[envelope[i]!.toString('utf8')] = Buffer.from(text, 'utf8').equals(value)
      ? text
      : { $base64: value.toString('base64') };
  }
  return fields;
}
