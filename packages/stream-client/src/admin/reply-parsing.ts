/** XINFO replies arrive as flat [name, value, name, value ...] lists: turn one into an object. */
export function pairsToRecord(row: unknown): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  if (!Array.isArray(row)) return record;
  for (let i = 0; i + 1 < row.length; i += 2) record[String(row[i])] = row[i + 1];
  return record;
}

export function toNumberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

/** The id right after `id` in stream order: what XRANGE needs to start after an id. */
export function nextEntryId(id: string): string {
  const [ms, seq = '0'] = id.split('-');
  const next = BigInt(seq) + 1n;
  return next > 18446744073709551615n ? `${BigInt(ms!) + 1n}-0` : `${ms}-${next}`;
}
