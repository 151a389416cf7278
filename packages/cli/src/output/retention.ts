import type { RetentionPolicy } from '@redstream/stream-client';
import { formatDurationMs } from './format.js';

/** `max-len 1000, max-age 7d, safe`, or `none`. */
export function formatRetention(retention: RetentionPolicy): string {
  const parts: string[] = [];
  if (retention.maxLen !== undefined) parts.push(`max-len ${retention.maxLen}`);
  if (retention.maxAgeMs !== undefined)
    parts.push(`max-age ${formatDurationMs(retention.maxAgeMs)}`);
  if (retention.safe) parts.push('safe');
  return parts.length > 0 ? parts.join(', ') : 'none';
}

export function retentionJson(retention: RetentionPolicy) {
  return {
    maxLen: retention.maxLen ?? null,
    maxAgeMs: retention.maxAgeMs ?? null,
    safe: retention.safe ?? false,
  };
}
