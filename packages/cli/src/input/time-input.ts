import { InvalidInputError } from '../cli-error.js';
import { looksLikeDuration, parseDuration } from './duration.js';

export const TIME_FORM =
  'an ISO date (2024-05-01T12:00:00Z), epoch milliseconds, `now`, or a duration ago (15m, 2h, 7d)';

/**
 * Parses a point in time as operators type it: an ISO date, epoch milliseconds, `now`, or a
 * relative duration meaning "that long before now" (`15m`, `2h ago`, `-1d`).
 */
export function parseTimeInput(text: string, now: number, what: string): number {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'now') return now;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const relative = trimmed
    .replace(/^-/, '')
    .replace(/\s*ago$/i, '')
    .trim();
  if (looksLikeDuration(relative)) return Math.max(0, now - parseDuration(relative, what));
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const parsed = Date.parse(trimmed);
    if (Number.isFinite(parsed)) return parsed;
  }
  throw new InvalidInputError(what, TIME_FORM, text);
}
