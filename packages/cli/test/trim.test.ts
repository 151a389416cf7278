import { createStreamClient, type StreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, uniqueName } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAt, createGroup, readAndAck } from './helpers/fixtures.js';
import { cliFor } from './helpers/run-cli.js';

/*
 * Each topic: 2 partitions x 10 entries, entry i at T0 + i minutes (T0 = 10.5 minutes ago).
 * Group g read 6 of partition 0 and acked 4 (entries 4 and 5 pending, 6..9 undelivered), and
 * read and acked all of partition 1.
 */
const MINUTE = 60_000;
let redis: LaunchedRedis;
let client: StreamClient;
let cli: ReturnType<typeof cliFor>;

beforeAll(async () => {
  redis = await launchRedis();
  client = await createStreamClient({ url: redis.url });
  cli = cliFor(redis.url);
});

afterAll(async () => {
  await client?.close();
  await redis?.stop();
});

async function topicWithGroup(): Promise<{ topic: string; pending: string[] }> {
  const topic = uniqueName('trim');
  await client.ensureTopic(topic, { partitions: 2 });
  const t0 = Date.now() - 10.5 * MINUTE;
  for (let p = 0; p < 2; p++) {
    for (let i = 0; i < 10; i++)
      await appendAt(client, topic, p, t0 + i * MINUTE, {
        type: 'tick',
        key: null,
        payload: { i },
      });
    await createGroup(client, topic, p, 'g', '0');
  }
  const read = await readAndAck(client, topic, 0, 'g', 'c1', 6, 4);
  await readAndAck(client, topic, 1, 'g', 'c1', 10, 10);
  return { topic, pending: read.slice(4) };
}

const lengths = async (topic: string) =>
  (await client.admin.describeTopic(topic)).partitionDetails.map((row) => row.length);

describe('trim', () => {
  it("--safe alone trims to the topic's retention and never a pending entry", async () => {
    const { topic, pending } = await topicWithGroup();
    await client.ensureTopic(topic, { partitions: 2, retention: { maxLen: 2 } });
    const run = await cli(['trim', topic, '--safe', '--json']);
    expect(run.code).toBe(0);
    const result = run.json();
    expect(result).toMatchObject({
      topic,
      safe: true,
      maxLen: 2,
      olderThanMs: null,
      fromRetention: true,
    });
    // Partition 0 keeps from its oldest pending entry; partition 1 (all acked) keeps 2, not 0:
    // acked by today's group is not "no longer wanted".
    expect(
      result.partitions.map((row: { before: number; after: number; removed: number }) => [
        row.before,
        row.after,
        row.removed,
      ]),
    ).toEqual([
      [10, 6, 4],
      [10, 2, 8],
    ]);
    expect(result.partitions[0].safeBound).toBe(pending[0]);
    expect(result.totals).toEqual({ before: 20, after: 8, removed: 12 });
    const stream = client.keys.partitionStream(topic, 0);
    for (const id of pending) expect(await client.redis.xrange(stream, id, id)).toHaveLength(1);
    const lag = await client.admin.groupLag(topic, 'g');
    expect(lag.totals).toMatchObject({ pending: 2, lag: 4 });
    // No flag at all: the retention, unsafe as the topic is.
    const plain = await cli(['trim', topic]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(
      /^removed 4 entries from .* \(8 -> 4\); by the topic's retention \(maxLen 2\)$/m,
    );
    expect(await lengths(topic)).toEqual([2, 2]);
  });

  it('--safe on a topic without retention refuses and removes nothing', async () => {
    const { topic } = await topicWithGroup();
    const run = await cli(['trim', topic, '--safe']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: topic ${topic} has no retention to trim to: pass --maxlen N and/or --older-than DURATION\n`,
    );
    expect(await lengths(topic)).toEqual([10, 10]);
  });

  it('--maxlen with --safe keeps unacked entries; --no-safe trims to the length', async () => {
    const { topic } = await topicWithGroup();
    const safe = await cli(['trim', topic, '--maxlen', '2', '--safe']);
    expect(safe.code).toBe(0);
    expect(await lengths(topic)).toEqual([6, 2]);
    expect(safe.stdout).toMatch(/^removed 12 entries from .* \(20 -> 8\); safe: /m);
    const unsafe = await cli(['trim', topic, '--maxlen', '2', '--no-safe', '--progress']);
    expect(unsafe.code).toBe(0);
    expect(unsafe.stderr).toContain('trim [########################] 2/2 100%');
    expect(await lengths(topic)).toEqual([2, 2]);
  });

  it('--older-than removes entries by age and prints what it removed', async () => {
    const { topic } = await topicWithGroup();
    // Older than 5 minutes: entries 0..5 (10.5 .. 5.5 minutes old).
    const run = await cli(['trim', topic, '--older-than', '5m', '--no-safe']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PARTITION {2}BEFORE {2}AFTER {2}REMOVED {2}SAFE BOUND$/);
    expect(lines[1]).toMatch(/^\s+0\s+10\s+4\s+6\s+-$/);
    expect(lines[2]).toMatch(/^\s+1\s+10\s+4\s+6\s+-$/);
    expect(lines[3]).toBe(`removed 12 entries from ${topic} (20 -> 8)`);
  });

  it("follows the topic's safe retention when neither --safe nor --no-safe is given", async () => {
    const { topic } = await topicWithGroup();
    await client.ensureTopic(topic, { partitions: 2, retention: { safe: true } });
    const run = await cli(['trim', topic, '--maxlen', '1', '--json']);
    expect(run.json().safe).toBe(true);
    expect(await lengths(topic)).toEqual([6, 1]);
  });

  it('says what to pass when there is nothing to trim by', async () => {
    const { topic } = await topicWithGroup();
    const run = await cli(['trim', topic]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: topic ${topic} has no retention to trim to: pass --maxlen N and/or --older-than DURATION\n`,
    );
    const zero = await cli(['trim', topic, '--maxlen', '0']);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toBe('error: --maxlen: expected an integer >= 1, received "0"\n');
  });
});
