import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';
import { parseStreamPosition } from './stream-position.js';
import { parseTimeInput } from './time-input.js';

const NOW = Date.parse('2024-05-01T12:00:00.000Z');

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1w', 604_800_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    [' 2H ', 7_200_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text, '--x')).toBe(ms);
  });

  it('refuses bare numbers unless the caller names the unit', () => {
    expect(() => parseDuration('5', '--older-than')).toThrow(
      '--older-than: expected a duration like 500ms, 30s, 15m, 2h, 7d, 1w or 1h30m, received "5"',
    );
    expect(parseDuration('5', '--interval', { bareUnit: 's' })).toBe(5000);
    expect(() => parseDuration('5 minutes', '--x')).toThrow(/received "5 minutes"/);
    expect(() => parseDuration('', '--x')).toThrow();
  });
});

describe('parseTimeInput', () => {
  it.each([
    ['2024-05-01T10:00:00Z', Date.parse('2024-05-01T10:00:00Z')],
    ['2024-05-01', Date.parse('2024-05-01')],
    ['1714557600000', 1714557600000],
    ['0', 0],
    ['now', NOW],
    ['15m', NOW - 900_000],
    ['2h ago', NOW - 7_200_000],
    ['-1d', NOW - 86_400_000],
  ])('%s', (text, ms) => {
    expect(parseTimeInput(text, NOW, '--from')).toBe(ms);
  });

  it('never goes before the epoch', () => {
    expect(parseTimeInput('100000w', NOW, '--from')).toBe(0);
  });

  it('names the flag and the accepted forms', () => {
    expect(() => parseTimeInput('yesterday', NOW, '--from')).toThrow(
      '--from: expected an ISO date (2024-05-01T12:00:00Z), epoch milliseconds, `now`, or a duration ago (15m, 2h, 7d), received "yesterday"',
    );
    expect(() => parseTimeInput('2024-13-45', NOW, '--to')).toThrow(/^--to: /);
  });
});

describe('parseStreamPosition', () => {
  it('reads beginning, end, entry ids (inclusive) and times', () => {
    expect(parseStreamPosition('beginning', NOW)).toEqual({ kind: 'start', start: '-' });
    expect(parseStreamPosition('end', NOW)).toEqual({ kind: 'end' });
    expect(parseStreamPosition('1714557600000-3', NOW)).toEqual({
      kind: 'start',
      start: '1714557600000-3',
    });
    expect(parseStreamPosition('1h', NOW)).toEqual({
      kind: 'start',
      start: `${NOW - 3_600_000}-0`,
    });
    expect(parseStreamPosition('1714557600000', NOW)).toEqual({
      kind: 'start',
      start: '1714557600000-0',
    });
  });
});
