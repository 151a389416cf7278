import { InvalidInputError } from '../cli-error.js';

/** An integer flag value, checked against a minimum (`--partitions 4`, `--count 10`). */
export function parseInteger(text: string, what: string, min = 0): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^-?\d+$/.test(trimmed) || !Number.isSafeInteger(value) || value < min)
    throw new InvalidInputError(what, min === 0 ? 'an integer >= 0' : `an integer >= ${min}`, text);
  return value;
}

/** A non-negative number flag value (`--max-lag-seconds 2.5`, `--rate 50`). */
export function parseNonNegativeNumber(text: string, what: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || value < 0)
    throw new InvalidInputError(what, 'a number >= 0', text);
  return value;
}

/** `--partition 1 --partition 3` or `--partition 1,3`: collected into a sorted, deduplicated list. */
export function collectPartitions(text: string, previous: number[] = []): number[] {
  const values = text.split(',').map((part) => parseInteger(part, '--partition'));
  return [...new Set([...previous, ...values])].sort((a, b) => a - b);
}

/** Commander collector for repeatable string flags (`--header a=1 --header b=2`). */
export function collectStrings(text: string, previous: string[] = []): string[] {
  return [...previous, text];
}
