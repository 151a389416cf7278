import { createStreamClient, type StreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, uniqueName } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAt, createGroup } from './helpers/fixtures.js';
import { cliFor } from './helpers/run-cli.js';

/*
 * Each topic: 2 partitions x 10 entries, entry i appended at T0 + i minutes with T0 = now -
 * 10.5 minutes (so entries are 10.5 .. 1.5 minutes old, never on a minute boundary). Group `g`
 * has read everything (created at the end).
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

async function topicWithHistory(): Promise<{ topic: string; t0: number }> {
  const topic = uniqueName('replay');
  await client.ensureTopic(topic, { partitions: 2 });
  const t0 = Date.now() - 10.5 * MINUTE;
  for (let p = 0; p < 2; p++) {
    for (let i = 0; i < 10; i++)
      await appendAt(client, topic, p, t0 + i * MINUTE, {
        type: 'tick',
        key: null,
        payload: { i },
      });
    await createGroup(client, topic, p, 'g', '$');
  }
  return { topic, t0 };
}

const lagOf = async (topic: string, group: string) =>
  (await client.admin.groupLag(topic, group)).totals.lag;

describe('replay', () => {
  it('--dry-run shows how many entries would be re-read and changes nothing', async () => {
    const { topic } = await topicWithHistory();
    // 7 minutes ago: entries 4..9 (6.5 .. 1.5 minutes old) on each partition.
    const run = await cli(['replay', topic, '--group', 'g', '--from', '7m', '--dry-run', '--json']);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      topic,
      group: 'g',
      mode: 'rewind',
      perPartition: [6, 6],
      total: 12,
      groupExists: true,
      movesForward: [],
      dryRun: true,
      replayed: false,
    });
    expect(await lagOf(topic, 'g')).toBe(0);
  });

  it('asks with the count and changes nothing on "n"', async () => {
    const { topic } = await topicWithHistory();
    const run = await cli(['replay', topic, '--group', 'g', '--from', '7m'], {
      stdin: 'n\n',
      stdinIsTTY: true,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('12 entries appended since');
    expect(run.stdout).toContain('[p0: 6, p1: 6]');
    expect(run.stderr).toContain(`Replay 12 entries of ${topic} for group g? [y/N] `);
    expect(run.stderr).toContain('error: not confirmed: nothing was changed');
    expect(await lagOf(topic, 'g')).toBe(0);
  });

  it('refuses without a terminal unless --yes', async () => {
    const { topic } = await topicWithHistory();
    const run = await cli(['replay', topic, '--group', 'g', '--from', '7m']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: refusing to replay without confirmation: stdin is not a terminal; pass --yes to confirm\n',
    );
    expect(await lagOf(topic, 'g')).toBe(0);
  });

  it('rewinds the group on "y": it then lags by exactly the planned entries', async () => {
    const { topic, t0 } = await topicWithHistory();
    const from = new Date(t0 + 5 * MINUTE).toISOString(); // entries 5..9
    const run = await cli(['replay', topic, '--group', 'g', '--from', from, '--progress'], {
      stdin: 'y\n',
      stdinIsTTY: true,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`group g moved back to ${from}: it will re-read 10 entries`);
    expect(run.stderr).toContain('replay [########################] 10/10 100%');
    expect(await lagOf(topic, 'g')).toBe(10);
  });

  it('--yes creates a new group at --from (epoch ms)', async () => {
    const { topic, t0 } = await topicWithHistory();
    const run = await cli([
      'replay',
      topic,
      '--group',
      'fresh',
      '--from',
      String(t0 + 8 * MINUTE),
      '--yes',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ total: 4, groupExists: false, replayed: true });
    expect(await lagOf(topic, 'fresh')).toBe(4);
    expect(await lagOf(topic, 'g')).toBe(0);
  });

  it('--to copies the range for the group only; its position and other groups stay', async () => {
    const { topic, t0 } = await topicWithHistory();
    for (let p = 0; p < 2; p++) await createGroup(client, topic, p, 'other', '$');
    const run = await cli([
      'replay',
      topic,
      '--group',
      'g',
      '--from',
      String(t0 + 2 * MINUTE),
      '--to',
      String(t0 + 4 * MINUTE),
      '--yes',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      mode: 'copy',
      perPartition: [3, 3],
      total: 6,
      replayed: true,
    });
    const description = await client.admin.describeTopic(topic);
    expect(description.totalLength).toBe(26);
    // The copies are new entries that every group sees arrive; only `g` will handle them.
    expect(await lagOf(topic, 'g')).toBe(6);
  });

  it('warns when a rewind would move a lagging group forward past unread entries', async () => {
    const { topic } = await topicWithHistory();
    for (let p = 0; p < 2; p++) await createGroup(client, topic, p, 'slow', '0');
    const run = await cli(['replay', topic, '--group', 'slow', '--from', '3m', '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /warning: on partitions 0, 1 the group has not yet read up to --from/,
    );
  });

  it('rejects --to before --from and times it cannot read', async () => {
    const { topic } = await topicWithHistory();
    const backwards = await cli(['replay', topic, '--group', 'g', '--from', '1h', '--to', '2h']);
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toMatch(/^error: --to: expected a time at or after --from .*\n$/);
    const bad = await cli(['replay', topic, '--group', 'g', '--from', 'last tuesday']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: --from: expected an ISO date .*received "last tuesday"\n$/);
  });
});
