import { createStreamClient, type StreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, uniqueName } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAt, createGroup, readAndAck } from './helpers/fixtures.js';
import { cliFor } from './helpers/run-cli.js';

/*
 * Known data: 30 entries over 4 partitions ([10, 8, 7, 5]), the entry i of partition p
 * appended at T0 + p*100 + i*1000 ms, T0 9.5 minutes ago. Group `billing` read 15 of them
 * and acked 10, leaving 5 pending and 15 undelivered. Group `audit` starts at the end.
 */
const COUNTS = [10, 8, 7, 5];
const READ = [6, 4, 3, 2];
const ACKED = [4, 3, 2, 1];
// 9.5 minutes: every age in the human output reads "9m 2Xs" with half a minute to spare.
const AGO = 570_000;

let redis: LaunchedRedis;
let client: StreamClient;
let cli: ReturnType<typeof cliFor>;
let topic: string;
let t0: number;
const entryTime = (p: number, i: number) => t0 + p * 100 + i * 1000;

beforeAll(async () => {
  redis = await launchRedis();
  client = await createStreamClient({ url: redis.url });
  cli = cliFor(redis.url);
  topic = uniqueName('lag');
  await client.ensureTopic(topic, { partitions: 4 });
  t0 = Date.now() - AGO;
  for (const [p, count] of COUNTS.entries()) {
    for (let i = 0; i < count; i++)
      await appendAt(client, topic, p, entryTime(p, i), {
        type: 'order.created',
        key: `k${p}-${i}`,
        payload: { p, i },
      });
    await createGroup(client, topic, p, 'billing', '0');
    await createGroup(client, topic, p, 'audit', '$');
    await readAndAck(client, topic, p, 'billing', 'c1', READ[p]!, ACKED[p]!);
  }
  // An ordered-mode owner of partition 0 at lease epoch 7.
  await client.redis.set(client.keys.lease(topic, 0, 'billing'), 'c1|7', 'PX', 60_000);
});

afterAll(async () => {
  await client?.close();
  await redis?.stop();
});

describe('lag', () => {
  it('reports lag, pending and ages per partition and in total (--json)', async () => {
    const before = Date.now();
    const run = await cli(['lag', topic, '--group', 'billing', '--json']);
    const after = Date.now();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lag = run.json();
    expect(lag.topic).toBe(topic);
    expect(lag.group).toBe('billing');
    expect(lag.totals).toMatchObject({ lag: 15, pending: 5, retryPending: 0 });
    expect(lag.threshold).toEqual({ maxLagSeconds: null, breached: false });
    for (const [p, row] of lag.partitions.entries()) {
      expect(row.partition).toBe(p);
      expect(row.lag).toBe(COUNTS[p]! - READ[p]!);
      expect(row.lagExact).toBe(true);
      expect(row.pending).toBe(READ[p]! - ACKED[p]!);
      // The oldest pending entry is the first read and not acked: index ACKED[p].
      const oldestPending = entryTime(p, ACKED[p]!);
      expect(row.oldestPendingAgeMs).toBeGreaterThanOrEqual(before - oldestPending - 50);
      expect(row.oldestPendingAgeMs).toBeLessThanOrEqual(after - oldestPending + 50);
      expect(row.lagSeconds * 1000).toBeGreaterThanOrEqual(before - oldestPending - 50);
      expect(row.lagSeconds * 1000).toBeLessThanOrEqual(after - oldestPending + 50);
      expect(row.consumers).toEqual([
        { name: 'c1', pending: READ[p]! - ACKED[p]!, idleMs: expect.any(Number) },
      ]);
    }
    // Partition 3's oldest pending entry (index 1, at T0 + 1300) is the oldest unfinished one.
    const maxLagMs = lag.totals.maxLagSeconds * 1000;
    expect(maxLagMs).toBeGreaterThanOrEqual(before - entryTime(3, 1) - 50);
    expect(maxLagMs).toBeLessThanOrEqual(after - entryTime(3, 1) + 50);
    expect(lag.partitions[0]).toMatchObject({ owner: 'c1', epoch: 7 });
    expect(lag.partitions[1]).toMatchObject({ owner: null, epoch: null });
  });

  it('exits 2 when the lag age exceeds --max-lag-seconds, 0 when within', async () => {
    const breach = await cli(['lag', topic, '--group', 'billing', '--max-lag-seconds', '60']);
    expect(breach.code).toBe(2);
    expect(breach.stdout).toMatch(/BREACH: lag age 9m [23]\ds exceeds --max-lag-seconds 60/);
    const ok = await cli([
      'lag',
      topic,
      '--group',
      'billing',
      '--max-lag-seconds',
      '3600',
      '--json',
    ]);
    expect(ok.code).toBe(0);
    expect(ok.json().threshold).toEqual({ maxLagSeconds: 3600, breached: false });
    const breachJson = await cli([
      'lag',
      topic,
      '--group',
      'billing',
      '--max-lag-seconds',
      '1',
      '--json',
    ]);
    expect(breachJson.code).toBe(2);
    expect(breachJson.json().threshold).toEqual({ maxLagSeconds: 1, breached: true });
  });

  it('a caught-up group has no lag and never breaches', async () => {
    const run = await cli(['lag', topic, '--group', 'audit', '--max-lag-seconds', '0', '--json']);
    expect(run.code).toBe(0);
    expect(run.json().totals).toEqual({ lag: 0, pending: 0, retryPending: 0, maxLagSeconds: 0 });
  });

  it('prints an aligned table with a TOTAL line', async () => {
    const run = await cli(['lag', topic, '--group', 'billing']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PARTITION {2}LAG {2}LAG AGE {2}PENDING {2}OLDEST PENDING/);
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(/^\s+0\s+4\s+9m [23]\ds\s+2\s+9m [23]\ds\s+0\s+c1@7\s/);
    expect(lines[5]).toMatch(/^\s*TOTAL\s+15\s+9m [23]\ds\s+5\s/);
    // Aligned: every row starts its LAG column at the same offset.
    const lagEnd = lines[0]!.indexOf('LAG') + 'LAG'.length;
    for (const line of lines.slice(1)) expect(line[lagEnd - 1]).toMatch(/\d/);
  });

  it('--watch refreshes --iterations times and prints NDJSON with --json', async () => {
    const run = await cli([
      'lag',
      topic,
      '--group',
      'billing',
      '--watch',
      '--interval',
      '50ms',
      '--iterations',
      '3',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const refreshes = run.jsonLines();
    expect(refreshes).toHaveLength(3);
    for (const refresh of refreshes) {
      expect(refresh.at).toEqual(expect.any(Number));
      expect(refresh.totals.lag).toBe(15);
    }
  });

  it('--watch stops on Ctrl-C (the abort signal) with the last exit code', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const run = await cli(
      [
        'lag',
        topic,
        '--group',
        'billing',
        '--watch',
        '--interval',
        '100ms',
        '--max-lag-seconds',
        '1',
      ],
      { signal: controller.signal },
    );
    expect(run.code).toBe(2);
    expect(run.stdout.match(/TOTAL/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('names the groups a topic has when the group does not read it', async () => {
    const run = await cli(['lag', topic, '--group', 'nobody']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: group nobody does not read topic ${topic} (its groups: audit, billing)\n`,
    );
  });
});

describe('groups', () => {
  it('reports every group per partition (--json)', async () => {
    const run = await cli(['groups', topic, '--json']);
    expect(run.code).toBe(0);
    const { topic: name, groups } = run.json();
    expect(name).toBe(topic);
    expect(groups.map((g: { group: string }) => g.group)).toEqual(['audit', 'billing']);
    expect(groups[1].totals).toMatchObject({ lag: 15, pending: 5 });
    expect(groups[1].partitions.map((row: { pending: number }) => row.pending)).toEqual([
      2, 1, 1, 1,
    ]);
    expect(groups[0].totals).toMatchObject({ lag: 0, pending: 0 });
  });

  it('prints a heading and a table per group', async () => {
    const run = await cli(['groups', topic]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^group audit: lag 0 entries \(oldest 0ms\), 0 pending$/m);
    expect(run.stdout).toMatch(/^group billing: lag 15 entries \(oldest 9m [23]\ds\), 5 pending$/m);
    expect(run.stdout).toContain('c1 (2 pending, idle ');
    expect(run.stdout).toContain('c1@7');
  });

  it('--group narrows to one group', async () => {
    const run = await cli(['groups', topic, '--group', 'billing', '--json']);
    expect(run.json().groups).toHaveLength(1);
  });
});
