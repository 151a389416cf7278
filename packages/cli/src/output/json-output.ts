/**
 * Turns a value into plain JSON data: bigint -> decimal string, bytes -> `{ "$base64": ... }`,
 * Date -> ISO string, Map -> object. Payloads carry all of these, and JSON.stringify alone
 * would throw on bigint and spell a Buffer out byte by byte.
 */
export function toJsonData(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return { $base64: Buffer.from(value).toString('base64') };
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.toISOString() : null;
  if (Array.isArray(value)) return value.map(toJsonData);
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([key, item]) => [String(key), toJsonData(item)]));
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) result[key] = toJsonData(item);
    }
    return result;
  }
  return value;
}

/** One JSON document, pretty-printed: what every `--json` command prints once. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(toJsonData(value), null, 2)}\n`;
}

/** One JSON document per line (NDJSON): what streaming commands print (`tail`, `lag --watch`). */
export function formatJsonLine(value: unknown): string {
  return `${JSON.stringify(toJsonData(value))}\n`;
}
