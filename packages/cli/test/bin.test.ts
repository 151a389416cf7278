import { fileURLToPath } from 'node:url';
import { createStreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, ServiceProcess, uniqueName } from '@redstream/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendAt, createGroup } from './helpers/fixtures.js';

/** The real entry point in a child process, from the sources (no build needed). */
const packageDir = fileURLToPath(new URL('..', import.meta.url));
function spawnBin(args: string[], env: NodeJS.ProcessEnv = {}): ServiceProcess {
  return ServiceProcess.spawn(
    process.execPath,
    ['--conditions=@redstream/source', '--import', 'tsx', 'src/bin.ts', ...args],
    { cwd: packageDir, name: 'redstream', env: { REDIS_URL: '', ...env } },
  );
}

let redis: LaunchedRedis;
let topic: string;

beforeAll(async () => {
  redis = await launchRedis();
  const client = await createStreamClient({ url: redis.url });
  topic = uniqueName('bin');
  await client.ensureTopic(topic, { partitions: 1 });
  await appendAt(client, topic, 0, Date.now() - 120_000, { type: 't', key: null, payload: 1 });
  await createGroup(client, topic, 0, 'g');
  await client.close();
});

afterAll(async () => {
  await redis?.stop();
});

it('exits 2 on a lag breach and 0 within the limit, as a process', async () => {
  const breach = spawnBin(['lag', topic, '--group', 'g', '--max-lag-seconds', '60', '--json'], {
    REDIS_URL: redis.url,
  });
  expect(await breach.waitForExit(20_000)).toEqual({ code: 2, signal: null });
  expect(JSON.parse(breach.output).threshold).toEqual({ maxLagSeconds: 60, breached: true });
  const within = spawnBin([
    'lag',
    topic,
    '--group',
    'g',
    '--max-lag-seconds',
    '3600',
    '--url',
    redis.url,
  ]);
  expect(await within.waitForExit(20_000)).toEqual({ code: 0, signal: null });
});

it('fails with one line and exit code 1, fast, when Redis is unreachable', async () => {
  const started = Date.now();
  const run = spawnBin([
    'topics',
    '--url',
    'redis://u:pw@127.0.0.1:1',
    '--connect-timeout',
    '500ms',
  ]);
  expect(await run.waitForExit(20_000)).toEqual({ code: 1, signal: null });
  expect(run.lines).toEqual([
    expect.stringMatching(/^error: .*redis:\/\/u:\*\*\*@127\.0\.0\.1:1.*ECONNREFUSED/),
  ]);
  // Not held up by ioredis's socket timers after the failed connect.
  expect(Date.now() - started).toBeLessThan(10_000);
});
