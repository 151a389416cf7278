import { MetadataField, splitMetadata } from '../metadata-fields.js';
import type { StreamEntry } from '../stream-entry.js';
import type { DeadLetterReason } from './settlement.js';

const MAX_ERROR_LENGTH = 2000;

/**
 * The fields of a dead-letter entry: the original envelope fields unchanged (so a redrive
 * appends exactly what the producer wrote, garbage included), plus why it failed.
 */
export function deadLetterFields(
  entry: StreamEntry,
  details: {
    reason: DeadLetterReason;
    error: Error;
    attempts: number;
    group: string;
    consumer: string;
  },
): Array<string | Buffer> {
  const { envelope } = splitMetadata(entry.fields ?? []);
  const originId = entry.fromRetry
    ? (splitMetadata(entry.fields ?? [])
        .metadata.get(MetadataField.retryOrigin)
        ?.split('@')[1] ?? entry.id)
    : entry.id;
  const message = `${details.error.name}: ${details.error.message}`.slice(0, MAX_ERROR_LENGTH);
  return [
    ...envelope,
    MetadataField.dlqReason,
    details.reason,
    MetadataField.dlqError,
    message,
    MetadataField.dlqAttempts,
    String(details.attempts),
    MetadataField.dlqOriginId,
    originId,
    MetadataField.dlqPartition,
    String(entry.partition),
    MetadataField.dlqGroup,
    details.group,
    MetadataField.dlqConsumer,
    details.consumer,
    MetadataField.dlqFailedAt,
    String(Date.now()),
  ];
}
