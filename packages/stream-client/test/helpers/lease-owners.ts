import type { StreamClient } from '../../src/index.js';

/** Current owner name of each partition's lease for the group (null when free). */
export async function leaseOwners(
  client: StreamClient,
  topic: string,
  group: string,
  partitions: number,
): Promise<Array<string | null>> {
  const values = await Promise.all(
    Array.from({ length: partitions }, (_, p) =>
      client.redis.get(client.keys.lease(topic, p, group)),
    ),
  );
  return values.map((value) => (value ? value.slice(0, value.lastIndexOf('|')) : null));
}
