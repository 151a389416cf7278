/** `count` events over `keys` keys, each key's events numbered 1, 2, 3, ... in publish order. */
export function sequencedEvents(count: number, keys: number, type = 'test.event') {
  const next = new Map<string, number>();
  return Array.from({ length: count }, (_, i) => {
    const key = `key-${i % keys}`;
    const seq = (next.get(key) ?? 0) + 1;
    next.set(key, seq);
    return { type, key, payload: { key, seq } };
  });
}
