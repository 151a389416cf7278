import type { StreamClient } from '../../src/index.js';

/** Entries pending in group `g` for one consumer, summed over the topic's partitions. */
export async function pendingOf(
  client: StreamClient,
  topic: string,
  partitions: number,
  consumer: string,
): Promise<number> {
  let total = 0;
  for (let p = 0; p < partitions; p++) {
    const rows = (await client.redis.xpending(
      client.keys.partitionStream(topic, p),
      'g',
      '-',
      '+',
      10_000,
      consumer,
    )) as unknown[];
    total += rows.length;
  }
  return total;
}
