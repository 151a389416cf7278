import { Readable } from 'node:stream';
import { createStreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, uniqueName, waitFor } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/program.js';
import { runInProcess } from './helpers/run-cli.js';

let redis: LaunchedRedis;

beforeAll(async () => {
  redis = await launchRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe('redstream dashboard', () => {
  it('documents every flag and environment variable in --help', async () => {
    const help = await runInProcess(['dashboard', '--help']);
    expect(help.code).toBe(0);
    for (const text of [
      '--port',
      '--host',
      '--topic',
      '--admin-token',
      '--url',
      '--cluster-nodes',
      '--json',
      'REDIS_URL',
      'REDIS_CLUSTER_NODES',
      'DASHBOARD_ADMIN_TOKEN',
      '(default: "8090")',
    ])
      expect(help.stdout).toContain(text);
  });

  it('serves the topics until Ctrl-C, with redrive enabled by DASHBOARD_ADMIN_TOKEN', async () => {
    const topic = uniqueName('cli-dash');
    const client = await createStreamClient({ url: redis.url });
    await client.ensureTopic(topic, { partitions: 3 });
    await client.close();
    const stop = new AbortController();
    let stdout = '';
    let stderr = '';
    // runCli itself, to read stdout while the command runs (it runs until the signal).
    const running = runCli(
      ['dashboard', '--port', '0', '--topic', topic, '--json', '--url', redis.url],
      {
        stdout: { write: (chunk: string) => (stdout += chunk) },
        stderr: { write: (chunk: string) => (stderr += chunk) },
        stdin: Readable.from([]),
        stdinIsTTY: false,
        stderrIsTTY: false,
        stdoutIsTTY: false,
        env: { DASHBOARD_ADMIN_TOKEN: 'cli-test-token-1234567' },
        cwd: process.cwd(),
        signal: stop.signal,
        now: () => Date.now(),
      },
    );
    const printed = await waitFor(
      () =>
        stdout.includes('}')
          ? (JSON.parse(stdout) as { url: string; actionsEnabled: boolean })
          : undefined,
      { timeoutMs: 15_000, description: `the dashboard URL on stdout (stderr: ${stderr})` },
    );
    expect(printed.actionsEnabled).toBe(true);
    expect(printed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const snapshot = (await (await fetch(new URL('api/snapshot', printed.url))).json()) as {
      actionsEnabled: boolean;
      topics: Array<{ name: string; partitionCount: number }>;
    };
    expect(snapshot.actionsEnabled).toBe(true);
    expect(snapshot.topics).toEqual([expect.objectContaining({ name: topic, partitionCount: 3 })]);
    stop.abort();
    expect(await running).toBe(0);
    await expect(fetch(printed.url)).rejects.toThrow();
  });
});
