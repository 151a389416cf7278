import { uniqueName } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import type { StreamClient } from '../src/index.js';
import { useCluster } from './helpers/cluster.js';
import { useRedis } from './helpers/redis.js';

const env = useRedis();
const cluster = useCluster();

/** Appends `count` events to `partition` with ids `ageMs` in the past. */
async function appendAged(
  client: StreamClient,
  topic: string,
  partition: number,
  count: number,
  ageMs: number,
) {
  const stream = client.keys.partitionStream(topic, partition);
  const base = Date.now() - ageMs;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { fields } = client.codec.encode({ type: 't', key: 'k', payload: { i } });
    ids.push(String(await client.redis.xadd(stream, `${base}-${i + 1}`, ...fields)));
  }
  return ids;
}

/** Known data over three partitions; the snapshot must say what groupLag says. */
async function expectSnapshotToMatchGroupLag(client: StreamClient) {
  const topic = uniqueName('topic');
  await client.ensureTopic(topic, { partitions: 3 });
  const stream0 = client.keys.partitionStream(topic, 0);
  const stream1 = client.keys.partitionStream(topic, 1);
  await client.redis.xgroup('CREATE', stream0, 'g', '0', 'MKSTREAM');
  await client.redis.xgroup('CREATE', stream1, 'g', '0', 'MKSTREAM');
  await client.redis.sadd(client.keys.groups(topic), 'g');
  await appendAged(client, topic, 0, 20, 30_000);
  const ids1 = await appendAged(client, topic, 1, 10, 5_000);
  await client.redis.xreadgroup('GROUP', 'g', 'slow', 'COUNT', 8, 'STREAMS', stream0, '>');
  await client.redis.xreadgroup('GROUP', 'g', 'other', 'COUNT', 2, 'STREAMS', stream1, '>');
  // Deleted inside the undelivered range: Redis cannot compute lag, both must count.
  await client.redis.xdel(stream1, ids1[6]!);
  await client.redis.set(client.keys.lease(topic, 0, 'g'), 'slow|7');
  await client.redis.xadd(client.keys.deadLetters(topic, 2), '*', 'f', 'v');

  const [snapshot, lag] = await Promise.all([
    client.admin.snapshot(topic),
    client.admin.groupLag(topic, 'g'),
  ]);
  expect(snapshot.partitions.map((p) => p.length)).toEqual([20, 9, 0]);
  expect(snapshot.partitions.map((p) => p.entriesAdded)).toEqual([20, 10, 0]);
  expect(snapshot.partitions.map((p) => p.deadLetters)).toEqual([0, 0, 1]);
  expect(snapshot.partitions[2]!.groups).toEqual([]);
  const rows = snapshot.partitions.flatMap((p) => p.groups);
  expect(rows).toHaveLength(lag.partitions.length);
  for (const [index, expected] of lag.partitions.entries()) {
    const { group, entriesRead, lagSeconds, oldestPendingAgeMs, consumers, ...row } = rows[index]!;
    const {
      lagSeconds: expectedSeconds,
      oldestPendingAgeMs: expectedAge,
      consumers: expectedConsumers,
      ...expectedRow
    } = expected;
    expect(group).toBe('g');
    expect(row).toEqual(expectedRow);
    // Taken a few milliseconds apart.
    expect(Math.abs(lagSeconds - expectedSeconds)).toBeLessThan(1);
    expect(Math.abs((oldestPendingAgeMs ?? 0) - (expectedAge ?? 0))).toBeLessThan(1000);
    expect(consumers.map(({ name, pending }) => ({ name, pending }))).toEqual(
      expectedConsumers.map(({ name, pending }) => ({ name, pending })),
    );
  }
  expect(rows[0]).toMatchObject({ lag: 12, pending: 8, owner: 'slow', epoch: 7, entriesRead: 8 });
  expect(rows[1]).toMatchObject({ lag: 7, lagExact: true, pending: 2, owner: null });
  expect(rows[0]!.lagSeconds).toBeGreaterThanOrEqual(29);
}

describe('admin.snapshot', () => {
  it('reports per partition and group exactly what groupLag reports, in one call', async () => {
    await expectSnapshotToMatchGroupLag(await env.client());
  });

  it('does the same on a Redis Cluster, the partitions spread over its masters', async () => {
    await expectSnapshotToMatchGroupLag(await cluster.client());
  });

  it('reports live members of an ordered group', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 1 });
    await client.redis.zadd(client.keys.members(topic, 'g'), Date.now() + 10_000, 'a');
    const snapshot = await client.admin.snapshot(topic, ['g']);
    expect(Object.keys(snapshot.members.g ?? {})).toEqual(['a']);
  });
});
