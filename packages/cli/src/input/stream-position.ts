import { parseTimeInput, TIME_FORM } from './time-input.js';

const ENTRY_ID = /^\d+-\d+$/;

/** Where reading starts: after the current last entry, or at an XRANGE start (inclusive). */
export type StreamPosition = { kind: 'end' } | { kind: 'start'; start: string };

export const POSITION_FORM = `\`beginning\`, \`end\`, an entry id (1700000000000-0), or ${TIME_FORM}`;

/** `tail --from`: `beginning`, `end`, an entry id (that entry included) or a time. */
export function parseStreamPosition(text: string, now: number): StreamPosition {
  const trimmed = text.trim();
  const lower = trimmed.toLowerCase();
  if (lower === 'beginning' || lower === 'start') return { kind: 'start', start: '-' };
  if (lower === 'end') return { kind: 'end' };
  if (ENTRY_ID.test(trimmed)) return { kind: 'start', start: trimmed };
  return { kind: 'start', start: `${parseTimeInput(trimmed, now, '--from')}-0` };
}
