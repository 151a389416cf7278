import { randomBytes } from 'node:crypto';
import { readDemoReport } from '@redstream/orders-demo';
import { aclRules, createStreamClient, type StreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, uniqueName, waitFor } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceMains } from './helpers/service-mains.js';

// Both services as deployed with least privilege: each with its own ACL user from
// aclRules() (docs/security.md), on a private Redis since it creates users.
const topic = uniqueName('orders');
const group = 'order-workers';
const runId = uniqueName('run');
const EVENTS = 600;

let redis: LaunchedRedis;
let admin: StreamClient;
const mains = new ServiceMains();
const users = {
  producer: { name: `${topic}-producer`, password: randomBytes(16).toString('hex') },
  consumer: { name: `${topic}-${group}`, password: randomBytes(16).toString('hex') },
};

/** The user's REDIS_URL: `redis://user:password@host:port`. */
function urlOf(user: { name: string; password: string }): string {
  const url = new URL(redis.url);
  url.username = user.name;
  url.password = user.password;
  return url.toString();
}

/** A service of this topic and run. */
const spawnService = (service: 'producer' | 'consumer', env: Record<string, string>) =>
  mains.spawn(service, { TOPIC: topic, RUN_ID: runId, ...env });

const refused = (command: Promise<unknown>) => expect(command).rejects.toThrow(/NOPERM/);

beforeAll(async () => {
  redis = await launchRedis({ own: true });
  admin = await createStreamClient({ url: redis.url });
  const rules = {
    producer: aclRules({ role: 'producer', topic }),
    consumer: aclRules({ role: 'consumer', topic, group }),
  };
  for (const role of ['producer', 'consumer'] as const) {
    const { name, password } = users[role];
    await admin.redis.call('ACL', 'SETUSER', name, 'reset', 'on', `>${password}`, ...rules[role]);
  }
});

afterAll(async () => {
  await mains.stopAll();
  await admin?.close();
  await redis?.stop();
});

describe('the services with least-privilege ACL users', () => {
  it('handle the workload, are refused anything else, and never log the passwords', async () => {
    const consumer = spawnService('consumer', {
      REDIS_URL: urlOf(users.consumer),
      GROUP: group,
      CONSUMER_NAME: 'replica-a',
    });
    const producer = spawnService('producer', {
      REDIS_URL: urlOf(users.producer),
      PARTITIONS: '4',
      MODE: 'generator',
      GENERATOR_EVENTS: String(EVENTS),
      GENERATOR_KEYS: '30',
      EXIT_WHEN_DONE: 'true',
    });
    expect((await producer.waitForExit(30_000)).code, producer.tail()).toBe(0);
    await consumer.waitForLine(/"msg":"consumer ready"/, 30_000);
    const report = await waitFor(
      async () => {
        const current = await readDemoReport(admin, { topic, runId });
        return current.handled >= EVENTS ? current : undefined;
      },
      { description: `${EVENTS} events handled`, timeoutMs: 30_000 },
    );
    expect(report).toMatchObject({ handled: EVENTS, duplicates: 0, orderViolations: 0 });
    expect(report.perConsumer).toEqual({ 'replica-a': EVENTS });

    // Health and lag still work with the consumer's rights.
    const { address } = consumer
      .jsonLines<{ msg: string; address?: string }>()
      .find((line) => line.msg === 'listening')!;
    expect((await fetch(`${address}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${address}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(
        `redstream_consumer_lag_entries\\{topic="${topic}",group="${group}",partition="0"\\} 0`,
      ),
    );

    // Anything beyond each service's job is refused.
    const stream = admin.keys.partitionStream(topic, 0);
    const asProducer = await createStreamClient({ url: urlOf(users.producer) });
    const asConsumer = await createStreamClient({ url: urlOf(users.consumer) });
    try {
      await refused(
        asProducer.redis.xreadgroup('GROUP', group, 'intruder', 'STREAMS', stream, '0'),
      );
      await refused(asProducer.redis.xrange(stream, '-', '+'));
      await refused(asProducer.redis.del(stream));
      await refused(asProducer.redis.xgroup('DESTROY', stream, group));
      await refused(
        asProducer.redis.xadd(admin.keys.partitionStream('payments', 0), '*', 'f', 'v'),
      );
      await refused(asConsumer.redis.xadd(stream, '*', 'f', 'v'));
      await refused(asConsumer.redis.del(stream));
      await refused(asConsumer.redis.xgroup('DESTROY', stream, group));
      await refused(asConsumer.redis.set(admin.keys.lease(topic, 0, 'other-group'), 'x'));
      await refused(asConsumer.redis.flushall());
    } finally {
      await asProducer.close();
      await asConsumer.close();
    }
    expect(await admin.redis.xlen(stream)).toBeGreaterThan(0);

    // SIGTERM drains with the consumer's rights too (ack, lease release).
    expect(await consumer.stop(15_000)).toEqual({ code: 0, signal: null });
    for (const child of [producer, consumer]) {
      // A right the service lacks would show up as a warning or an error.
      expect(child.jsonLines<{ level: number }>().filter((line) => line.level >= 40)).toEqual([]);
      expect(child.output).toContain(
        `redis://${child === producer ? users.producer.name : users.consumer.name}:***@`,
      );
      for (const { password } of Object.values(users)) expect(child.output).not.toContain(password);
    }
  });
});
