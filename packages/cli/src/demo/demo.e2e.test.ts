import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createStreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, ServiceProcess } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoSummary } from './demo-summary.js';

// The demo as `pnpm demo` runs it: the built CLI, which spawns the built services.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = `${root}packages/cli/dist/bin.js`;
const builtEntries = [
  bin,
  `${root}services/producer/dist/main.js`,
  `${root}services/consumer/dist/main.js`,
];

/** Runs the demo; an empty REDIS_URL counts as unset (the demo starts its own Redis). */
async function runDemo(args: string[], env: Record<string, string>) {
  const child = ServiceProcess.spawn(process.execPath, [bin, 'demo', ...args], {
    name: 'demo',
    env,
    cwd: root,
  });
  const status = await child.waitForExit(150_000);
  const stdout = child.lines.filter((line) => line.startsWith('{'));
  const summary = JSON.parse(stdout.at(-1) ?? 'null') as DemoSummary | null;
  return { status, summary, output: child.output };
}

beforeAll(() => {
  const missing = builtEntries.filter((entry) => !existsSync(entry));
  if (missing.length > 0)
    throw new Error(`build first (pnpm test and pnpm demo do): missing ${missing.join(', ')}`);
});

describe('redstream demo', () => {
  it('starts its own Redis, survives a killed replica and reports exactly-once delivery', async () => {
    const { status, summary, output } = await runDemo(
      ['--events', '2000', '--keys', '50', '--consumers', '2', '--kill', '1', '--json'],
      { REDIS_URL: '', REDIS_CLUSTER_NODES: '' },
    );
    expect(status.code, output).toBe(0);
    expect(summary).toMatchObject({
      ok: true,
      published: 2000,
      handled: 2000,
      duplicates: 0,
      lost: 0,
      orderViolations: 0,
      ordering: 'key',
      redisOwned: true,
      kills: [expect.objectContaining({ consumer: expect.stringMatching(/^consumer-[12]$/) })],
    });
    expect(summary!.redeliveries).toBeGreaterThanOrEqual(0);
    expect(Object.keys(summary!.perConsumer).sort()).toEqual(['consumer-1', 'consumer-2']);
    for (const count of Object.values(summary!.perConsumer)) expect(count).toBeGreaterThan(0);
    expect(output).toContain('published 2000/2000 (done)');
  });

  it('with --dashboard prints the URL, serves the run live and reports the same', async () => {
    const child = ServiceProcess.spawn(
      process.execPath,
      [
        bin,
        'demo',
        '--events',
        '3000',
        '--keys',
        '50',
        '--consumers',
        '2',
        '--dashboard',
        '0',
        '--json',
      ],
      { name: 'demo', env: { REDIS_URL: '', REDIS_CLUSTER_NODES: '' }, cwd: root },
    );
    const url = /dashboard: (http:\/\/\S+) \(live, read-only\)/.exec(
      await child.waitForLine(/^dashboard: http/, 60_000),
    )![1]!;
    const snapshot = (await (await fetch(new URL('api/snapshot', url))).json()) as {
      actionsEnabled: boolean;
      topics: Array<{ name: string; partitionCount: number }>;
    };
    expect(snapshot.actionsEnabled).toBe(false);
    expect(snapshot.topics).toEqual([
      expect.objectContaining({ name: 'orders', partitionCount: 8 }),
    ]);
    const status = await child.waitForExit(150_000);
    expect(status.code, child.output).toBe(0);
    const summary = JSON.parse(
      child.lines.filter((line) => line.startsWith('{')).at(-1) ?? 'null',
    ) as DemoSummary;
    expect(summary).toMatchObject({
      ok: true,
      published: 3000,
      handled: 3000,
      duplicates: 0,
      lost: 0,
    });
    // The dashboard's line is on stderr; stdout is the report alone.
    expect(child.lines.filter((line) => line.startsWith('{'))).toHaveLength(1);
  });

  describe('with REDIS_URL', () => {
    let redis: LaunchedRedis;

    beforeAll(async () => {
      redis = await launchRedis({ own: true });
    });

    afterAll(async () => {
      await redis?.stop();
    });

    it('leaves the data, and a second run reports only its own events', async () => {
      const args = ['--events', '600', '--keys', '20', '--consumers', '2', '--partitions', '4'];
      const first = await runDemo([...args, '--json'], { REDIS_URL: redis.url });
      expect(first.status.code, first.output).toBe(0);
      const second = await runDemo([...args, '--ordering', 'none', '--json'], {
        REDIS_URL: redis.url,
      });
      expect(second.status.code, second.output).toBe(0);
      expect(second.summary).toMatchObject({
        ok: true,
        published: 600,
        handled: 600,
        lost: 0,
        duplicates: 0,
        ordering: 'none',
        orderViolationsPolicy: 'counted-only',
        redisOwned: false,
      });
      expect(second.summary!.runId).not.toBe(first.summary!.runId);

      // Both runs' events are still there for inspection.
      const client = await createStreamClient({ url: redis.url });
      try {
        expect((await client.admin.describeTopic('orders')).totalLength).toBe(1200);
      } finally {
        await client.close();
      }
    });
  });
});
