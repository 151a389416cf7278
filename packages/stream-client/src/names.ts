import { InvalidNameError } from './errors.js';

// Braces would break Redis Cluster hash tags and colons the key layout, so names are restricted.
const NAME = /^[A-Za-z0-9._-]{1,200}$/;

export function assertName(
  kind: 'topic' | 'group' | 'consumer' | 'rate-limit bucket',
  value: string,
): string {
  if (typeof value !== 'string' || !NAME.test(value))
    throw new InvalidNameError(kind, String(value));
  return value;
}
