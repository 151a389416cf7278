export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | boolean | null | undefined;
  /** Default: right for numbers, left for everything else. */
  align?: 'left' | 'right';
}

const GAP = '  ';

/**
 * Renders rows as an aligned plain-text table (header, then one line per row). Missing values
 * show as `-`; numbers are right-aligned so digits line up. No colours, no borders: the output
 * stays greppable and stable for tests.
 */
export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const text = cells.map((line) => line.map(cellText));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...text.map((line) => line[i]!.length)),
  );
  const alignOf = (i: number): 'left' | 'right' =>
    columns[i]!.align ??
    (cells.length > 0 && cells.every((line) => typeof line[i] === 'number' || line[i] == null)
      ? 'right'
      : 'left');
  const renderLine = (values: string[]) =>
    values
      .map((value, i) =>
        alignOf(i) === 'right' ? value.padStart(widths[i]!) : value.padEnd(widths[i]!),
      )
      .join(GAP)
      .trimEnd();
  return `${[renderLine(columns.map((column) => column.header)), ...text.map(renderLine)].join('\n')}\n`;
}

function cellText(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value);
}

/** `key: value` lines with the values aligned, for a single record (topic describe, dlq show). */
export function renderFields(
  fields: ReadonlyArray<[string, string | number | null | undefined]>,
): string {
  const width = Math.max(...fields.map(([name]) => name.length));
  return `${fields.map(([name, value]) => `${`${name}:`.padEnd(width + 2)}${cellText(value)}`).join('\n')}\n`;
}
