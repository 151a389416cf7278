import { InvalidInputError } from '../cli-error.js';

const UNIT_MS = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

export const DURATION_FORM = 'a duration like 500ms, 30s, 15m, 2h, 7d, 1w or 1h30m';

/**
 * Parses `15m`, `2h`, `7d`, `1h30m` into milliseconds. A bare number is accepted only when the
 * caller names its unit (`--interval 5` means seconds); otherwise it is ambiguous and refused.
 */
export function parseDuration(
  text: string,
  what: string,
  options: { bareUnit?: 'ms' | 's' } = {},
): number {
  const trimmed = text.trim().toLowerCase();
  if (options.bareUnit && /^\d+(?:\.\d+)?$/.test(trimmed))
    return Number(trimmed) * UNIT_MS[options.bareUnit];
  if (!DURATION.test(trimmed)) throw new InvalidInputError(what, DURATION_FORM, text);
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART))
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return Math.round(total);
}

/** True when `text` reads as a duration (so a time input can treat it as "that long ago"). */
export function looksLikeDuration(text: string): boolean {
  return DURATION.test(text.trim().toLowerCase());
}
