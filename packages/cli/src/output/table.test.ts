import { describe, expect, it } from 'vitest';
import { formatDurationMs } from './format.js';
import { toJsonData } from './json-output.js';
import { createProgress, renderProgressLine } from './progress-bar.js';
import { renderFields, renderTable } from './table.js';

describe('renderTable', () => {
  it('aligns columns: numbers right, text left, missing values as -', () => {
    const rows = [
      { name: 'orders', partitions: 12, groups: 'billing' },
      { name: 'a', partitions: 3, groups: null },
    ];
    expect(
      renderTable(rows, [
        { header: 'TOPIC', value: (r) => r.name },
        { header: 'PARTITIONS', value: (r) => r.partitions },
        { header: 'GROUPS', value: (r) => r.groups },
      ]),
    ).toBe(
      [
        'TOPIC   PARTITIONS  GROUPS',
        'orders          12  billing',
        'a                3  -',
        '',
      ].join('\n'),
    );
  });

  it('prints only the header for no rows', () => {
    expect(renderTable([], [{ header: 'A', value: () => 1 }])).toBe('A\n');
  });

  it('renders key: value fields aligned', () => {
    expect(
      renderFields([
        ['topic', 'orders'],
        ['dead letters', 3],
        ['groups', null],
      ]),
    ).toBe('topic:        orders\ndead letters: 3\ngroups:       -\n');
  });
});

describe('formatDurationMs', () => {
  it.each([
    [null, '-'],
    [850, '850ms'],
    [12_345, '12.3s'],
    [60_000, '1m'],
    [303_000, '5m 3s'],
    [7_500_000, '2h 5m'],
    [7_200_000, '2h'],
    [291_600_000, '3d 9h'],
    [604_800_000, '7d'],
  ])('%s -> %s', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });
});

describe('toJsonData', () => {
  it('turns bigint, bytes, dates and maps into JSON data', () => {
    expect(
      toJsonData({
        big: 12345678901234567890n,
        bytes: Buffer.from('hi'),
        at: new Date(0),
        map: new Map([['a', 1]]),
        gone: undefined,
        list: [new Uint8Array([1])],
      }),
    ).toEqual({
      big: '12345678901234567890',
      bytes: { $base64: 'aGk=' },
      at: '1970-01-01T00:00:00.000Z',
      map: { a: 1 },
      list: [{ $base64: 'AQ==' }],
    });
  });
});

describe('progress bar', () => {
  it('renders a bar with counts and percent', () => {
    expect(renderProgressLine('redrive', 6, 24)).toBe(
      'redrive [######------------------] 6/24 25%',
    );
    expect(renderProgressLine('trim', 0, 0)).toBe('trim [########################] 0/0 100%');
  });

  it('redraws in place at most every 100 ms, always the final state, and only when enabled', () => {
    let out = '';
    let now = 0;
    const progress = createProgress({ write: (c: string) => (out += c) }, 'x', {
      enabled: true,
      now: () => now,
    });
    progress.update(1, 4);
    progress.update(2, 4); // within 100 ms: skipped
    now = 150;
    progress.update(3, 4);
    progress.update(4, 4); // the end: always drawn
    progress.finish();
    expect(
      out
        .split('\r')
        .filter(Boolean)
        .map((line) => line.trimEnd()),
    ).toEqual([
      'x [######------------------] 1/4 25%',
      'x [##################------] 3/4 75%',
      'x [########################] 4/4 100%',
    ]);
    expect(out.endsWith('\n')).toBe(true);
    let silent = '';
    const off = createProgress({ write: (c: string) => (silent += c) }, 'x', {
      enabled: false,
      now: () => 0,
    });
    off.update(1, 1);
    off.finish();
    expect(silent).toBe('');
  });
});
