import { randomBytes } from 'node:crypto';
import { RUN_ID_PATTERN } from './order-events.js';

/**
 * A fresh run id, `run-<time base36>-<random hex>`: it sorts by start time and is unique enough
 * that two demo runs against one Redis never share handler state.
 */
export function newRunId(now = Date.now()): string {
  return `run-${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function isRunId(value: string): boolean {
  return RUN_ID_PATTERN.test(value);
}
