import { createOrderRegistry, OrderGenerator, readDemoReport } from '@redstream/orders-demo';
import { createStreamClient, type StreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, uniqueName, waitFor } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceMains } from './helpers/service-mains.js';

let redis: LaunchedRedis;
let client: StreamClient;
const mains = new ServiceMains();
const spawnConsumer = (env: Record<string, string>, name = 'consumer') =>
  mains.spawn('consumer', env, name);

beforeAll(async () => {
  redis = await launchRedis();
  client = await createStreamClient({
    url: redis.url,
    codec: { contentType: 'msgpack', registry: createOrderRegistry() },
  });
});

afterAll(async () => {
  await mains.stopAll();
  await client?.close();
  await redis?.stop();
});

describe('consumer main', () => {
  it('exits 1 on bad configuration, naming the variable and the expected form', async () => {
    const child = spawnConsumer({ REDIS_URL: redis.url, ORDERING: 'fifo', CONCURRENCY: 'lots' });
    const status = await child.waitForExit(20_000);
    expect(status.code).toBe(1);
    expect(child.output).toContain('ORDERING: expected one of key, none, got "fifo"');
    expect(child.output).toContain('CONCURRENCY: expected an integer from 1 to 10000, got "lots"');
  });

  it('drains on SIGTERM: exits 0, releases its leases, and nothing is lost or handled twice', async () => {
    const topic = uniqueName('orders');
    const group = uniqueName('workers');
    const runId = uniqueName('run');
    const env = {
      REDIS_URL: redis.url,
      TOPIC: topic,
      GROUP: group,
      PARTITIONS: '4',
      RUN_ID: runId,
      SHUTDOWN_GRACE_MS: '10000',
    };
    const first = spawnConsumer({ ...env, CONSUMER_NAME: 'replica-a' }, 'replica-a');
    await first.waitForLine(/"msg":"rebalance complete"/, 30_000);

    const events = new OrderGenerator({ runId, keys: 40, events: 3000 }).take(3000);
    await client.producer().publishMany(topic, events);
    await waitFor(async () => (await readDemoReport(client, { topic, runId })).handled >= 300, {
      description: 'replica-a to be busy',
      timeoutMs: 20_000,
    });

    const stopped = Date.now();
    const status = await first.stop(15_000);
    expect(status, first.tail()).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopped).toBeLessThan(10_000);
    expect(first.output).toContain('"msg":"drained: in-flight events settled, leases released"');
    for (let partition = 0; partition < 4; partition++)
      expect(await client.redis.get(client.keys.lease(topic, partition, group))).toBeNull();
    expect(await client.redis.zscore(client.keys.members(topic, group), 'replica-a')).toBeNull();

    // Whatever replica-a left (read, not started) is finished by the next replica, once.
    const second = spawnConsumer({ ...env, CONSUMER_NAME: 'replica-b' }, 'replica-b');
    const report = await waitFor(
      async () => {
        const current = await readDemoReport(client, { topic, runId });
        return current.handled >= 3000 ? current : undefined;
      },
      { description: 'all 3000 events handled', timeoutMs: 60_000 },
    );
    expect(report).toMatchObject({ handled: 3000, duplicates: 0, orderViolations: 0 });
    expect(Object.keys(report.perConsumer).sort()).toEqual(['replica-a', 'replica-b']);
    expect((await second.stop(15_000)).code).toBe(0);
  });
});
