import { randomBytes } from 'node:crypto';

/** A name no other test run uses, e.g. `topic-1a2b3c4d`, so tests can share one server. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
