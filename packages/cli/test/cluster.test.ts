import { type LaunchedCluster, launchRedisCluster, uniqueName } from '@redstream/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runInProcess } from './helpers/run-cli.js';

/*
 * The same commands against a 3-master Redis Cluster: every per-partition read (tail, lag,
 * trim) must stay in one hash slot, and --cluster-nodes must reach it.
 */
let cluster: LaunchedCluster;
const cli = (argv: string[]) => runInProcess([...argv, '--cluster-nodes', cluster.nodesString]);

beforeAll(async () => {
  cluster = await launchRedisCluster();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

it('creates, publishes, tails, replays, reports lag and trims on a cluster', async () => {
  const topic = uniqueName('cluster');
  expect((await cli(['topic', 'create', topic, '--partitions', '6'])).code).toBe(0);
  for (let i = 0; i < 8; i++) {
    const run = await cli(['publish', topic, '--type', 't', '--key', `k${i}`, '--data', String(i)]);
    expect(run.stderr).toBe('');
  }
  const tail = await cli(['tail', topic, '--from', 'beginning', '--count', '8', '--json']);
  expect(tail.code).toBe(0);
  expect(
    tail
      .jsonLines()
      .map((line) => line.event.payload)
      .sort(),
  ).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  const replay = await cli(['replay', topic, '--group', 'g', '--from', '1h', '--yes', '--json']);
  expect(replay.json()).toMatchObject({ total: 8, replayed: true });
  const lag = await cli(['lag', topic, '--group', 'g', '--json']);
  expect(lag.json().totals).toMatchObject({ lag: 8, pending: 0 });
  const trim = await cli(['trim', topic, '--maxlen', '100', '--safe', '--json']);
  expect(trim.json().totals).toEqual({ before: 8, after: 8, removed: 0 });
  const description = await cli(['topic', 'describe', topic, '--json']);
  expect(description.json()).toMatchObject({ totalLength: 8, groups: ['g'] });
});
