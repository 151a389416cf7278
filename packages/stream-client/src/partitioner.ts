/**
 * Kafka's default partitioner: `toPositive(murmur2(utf8(key))) % partitions`, so the same key
 * lands on the same partition number as in Kafka (and in librdkafka's murmur2_random).
 * Keyless events are placed by the same hash of their event id: they spread evenly, and a
 * retried publish of the same event lands on the same partition, where the idempotency marker is.
 */
export function partitionFor(
  key: string | null | undefined,
  eventId: string,
  partitions: number,
): number {
  return partitionOfKey(key === null || key === undefined ? eventId : key, partitions);
}

/** The partition of a keyed event: what `partitionFor` gives for any event id with this key. */
export function partitionOfKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}

/** Kafka's `Utils.murmur2` (seed 0x9747b28c), returning a signed 32-bit integer like Java. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // The tail bytes fold in from the highest one down (Java's switch falls through).
  const tail = length & 3;
  if (tail === 3) h ^= data[blocks + 2]! << 16;
  if (tail >= 2) h ^= data[blocks + 1]! << 8;
  if (tail >= 1) {
    h ^= data[blocks]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
