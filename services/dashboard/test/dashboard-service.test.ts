import { fileURLToPath } from 'node:url';
import { createStreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, ServiceProcess, uniqueName } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const serviceDir = fileURLToPath(new URL('../', import.meta.url));
let redis: LaunchedRedis;
let service: ServiceProcess | undefined;

beforeAll(async () => {
  redis = await launchRedis();
});
afterAll(async () => {
  await service?.stop(5000);
  await redis?.stop();
});

describe('the dashboard service process', () => {
  it('serves health, the page and snapshots of the topics in TOPIC, and exits 0 on SIGTERM', async () => {
    const topic = uniqueName('svc');
    const client = await createStreamClient({ url: redis.url });
    await client.ensureTopic(topic, { partitions: 2 });
    await client.producer().publish(topic, { type: 't', key: 'k', payload: {} });
    await client.close();

    service = ServiceProcess.spawn(
      process.execPath,
      ['--conditions=@redstream/source', '--import', 'tsx', 'src/main.ts'],
      {
        cwd: serviceDir,
        name: 'dashboard',
        env: {
          REDIS_URL: redis.url,
          TOPIC: topic,
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
        },
      },
    );
    const line = await service.waitForLine(/dashboard listening/, 30_000);
    const url = (JSON.parse(line) as { url: string }).url;
    expect(await (await fetch(new URL('healthz', url))).json()).toMatchObject({
      status: 'ok',
      actionsEnabled: false,
    });
    expect((await fetch(new URL('readyz', url))).status).toBe(200);
    const snapshot = (await (await fetch(new URL('api/snapshot', url))).json()) as {
      topics: Array<{ name: string; length: number }>;
    };
    expect(snapshot.topics).toEqual([expect.objectContaining({ name: topic, length: 1 })]);
    const page = await fetch(url);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    // Nothing secret or external in the page: every script comes from this server.
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toMatch(/<script type="module" crossorigin src="\.\/assets\/index-[\w-]+\.js">/);

    service.signal('SIGTERM');
    expect(await service.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  });
});
