import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createStreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, uniqueName } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAt, createGroup } from './helpers/fixtures.js';

/**
 * The documented ways to run the CLI (README, docs/cli.md, docs/demo.md), run as a user runs
 * them, from the repository root through pnpm: stdout must be the data alone, so
 * `pnpm -s redstream lag ... --json | jq .` works. Build chatter (turbo's banner and summary),
 * progress and logs belong on stderr.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));

function run(command: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let redis: LaunchedRedis;
let topic: string;
const group = 'order-workers';

beforeAll(async () => {
  redis = await launchRedis();
  const client = await createStreamClient({ url: redis.url });
  topic = uniqueName('piped');
  await client.ensureTopic(topic, { partitions: 2 });
  await appendAt(client, topic, 0, Date.now() - 5000, { type: 't', key: null, payload: 1 });
  await createGroup(client, topic, 0, group);
  await client.close();
});

afterAll(async () => {
  await redis?.stop();
});

describe('documented CLI invocations pipe clean JSON', () => {
  const lag = () => ['lag', topic, '--group', group, '--json'];

  it.each([
    ['pnpm -s redstream', ['-s', 'redstream']],
    ['pnpm redstream', ['redstream']],
  ])(
    '%s lag --json: stdout is one JSON document, the build chatter on stderr',
    async (_, prefix) => {
      const result = await run('pnpm', [...prefix, ...lag()], { REDIS_URL: redis.url });
      expect(result.code, result.stderr).toBe(0);
      const parsed = JSON.parse(result.stdout);
      expect(parsed).toMatchObject({ topic, group });
      expect(result.stdout).not.toContain('turbo');
    },
    120_000,
  );

  it('node packages/cli/dist/bin.js topics --json: stdout is one JSON document', async () => {
    const result = await run(process.execPath, ['packages/cli/dist/bin.js', 'topics', '--json'], {
      REDIS_URL: redis.url,
    });
    expect(result.code, result.stderr).toBe(0);
    const names = JSON.parse(result.stdout).topics.map((entry: { name: string }) => entry.name);
    expect(names).toContain(topic);
  }, 60_000);

  it('pnpm demo --json: the report is the only thing on stdout, progress on stderr', async () => {
    // REDIS_URL empty: the demo starts (and stops) its own Redis, leaving the test's alone.
    const result = await run(
      'pnpm',
      [
        'demo',
        '--events',
        '400',
        '--keys',
        '20',
        '--consumers',
        '1',
        '--partitions',
        '2',
        '--json',
      ],
      { REDIS_URL: '' },
    );
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ published: 400, handled: 400 });
    expect(result.stderr).toContain('redstream demo: run');
  }, 180_000);
});
