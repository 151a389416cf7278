import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  aclRules,
  createStreamClient,
  NonRetriableError,
  type StreamClient,
} from '../src/index.js';
import { loose } from './helpers/loose-options.js';
import { useRedis } from './helpers/redis.js';

// Creates ACL users: a private server.
const env = useRedis({ own: true });

async function createUser(admin: StreamClient, name: string, rules: string[]) {
  await admin.redis.call('ACL', 'SETUSER', name, 'reset', 'on', `>${name}-password`, ...rules);
  return env.redis.url.replace('redis://', `redis://${name}:${name}-password@`);
}

const refused = (promise: Promise<unknown>) =>
  expect(promise).rejects.toThrow(/NOPERM|No permissions/);

describe('least-privilege ACL users', () => {
  it.each(['none', 'key'] as const)(
    'lets the producer and consumer users do their jobs and nothing else (ordering %s)',
    async (ordering) => {
      const admin = await env.client();
      const topic = uniqueName('orders');
      const group = 'order-workers';
      const producerUrl = await createUser(
        admin,
        `producer-${ordering}`,
        aclRules({ role: 'producer', topic }),
      );
      const consumerUrl = await createUser(
        admin,
        `consumer-${ordering}`,
        aclRules({ role: 'consumer', topic, group }),
      );

      const producerClient = await createStreamClient({ url: producerUrl });
      await producerClient.ensureTopic(topic, { partitions: 4 });
      const consumerLogs: string[] = [];
      const consumerClient = await createStreamClient({
        url: consumerUrl,
        logger: pino({ level: 'debug' }, { write: (line: string) => void consumerLogs.push(line) }),
      });
      const applied: number[] = [];
      const subscription = await consumerClient.subscribe<{ n: number }>(
        loose<{ n: number }>({
          topic,
          group,
          consumer: 'c1',
          ordering,
          maxDeliveries: 2,
          retryBackoff: { baseMs: 50, maxMs: 100 },
          ...(ordering === 'key' ? { heartbeatIntervalMs: 100 } : {}),
          handler: (event, ctx) => {
            if (event.payload.n === 13) throw new NonRetriableError('unlucky');
            if (event.payload.n === 7 && ctx.attempt === 1) throw new Error('retry me');
            applied.push(event.payload.n);
            ctx.effects.hincrby(ctx.stateKey('totals'), 'sum', event.payload.n);
          },
        }),
      );
      const producer = producerClient.producer();
      await producer.publishMany(
        topic,
        Array.from({ length: 20 }, (_, n) => ({ type: 't', key: `k${n}`, payload: { n } })),
      );
      await producer.publish(topic, {
        id: '0190a5e2-7c3d-7000-8000-00000000acl1',
        type: 't',
        key: 'k',
        payload: { n: 100 },
      });
      await waitFor(() => applied.length === 20, {
        description: '20 events applied (one dead-lettered, one retried)',
        timeoutMs: 15_000,
      });
      await sleep(200);
      const deadLetters = await admin.admin.listDeadLetters(topic);
      expect(deadLetters.map((dl) => dl.reason)).toEqual(['non-retriable']);

      // The gateway's rate limit runs under the producer's user; PEXPIRE stays confined to it.
      const limited = await producerClient
        .rateLimiter({ eventsPerSecond: 10, bytesPerSecond: 0 })
        .take(uniqueName('acl-key'), { events: 4, bytes: 100 });
      expect(limited).toMatchObject({ allowed: true, events: { remaining: 6 } });
      await refused(producerClient.redis.pexpire(producerClient.keys.partitionStream(topic, 0), 1));

      // The producer cannot read, delete, administer groups or write another topic.
      await refused(
        producerClient.redis.xreadgroup(
          'GROUP',
          group,
          'x',
          'STREAMS',
          producerClient.keys.partitionStream(topic, 0),
          '>',
        ),
      );
      await refused(producerClient.redis.del(producerClient.keys.partitionStream(topic, 0)));
      await refused(
        producerClient.redis.xgroup(
          'DESTROY',
          producerClient.keys.partitionStream(topic, 0),
          group,
        ),
      );
      await refused(
        producerClient.redis.xadd(
          producerClient.keys.partitionStream('another-topic', 0),
          '*',
          'f',
          'v',
        ),
      );
      await refused(producerClient.redis.set(producerClient.keys.partitionStream(topic, 0), 'x'));
      await refused(producerClient.redis.flushall());
      // The consumer cannot append to the topic, delete it, destroy groups or touch another group.
      await refused(
        consumerClient.redis.xadd(consumerClient.keys.partitionStream(topic, 0), '*', 'f', 'v'),
      );
      await refused(consumerClient.redis.del(consumerClient.keys.partitionStream(topic, 0)));
      await refused(consumerClient.redis.set(consumerClient.keys.partitionStream(topic, 0), 'x'));
      await refused(
        consumerClient.redis.xgroup(
          'DESTROY',
          consumerClient.keys.partitionStream(topic, 0),
          group,
        ),
      );
      await refused(consumerClient.redis.get(consumerClient.keys.lease(topic, 0, 'other-group')));
      await refused(consumerClient.redis.flushall());
      await refused(consumerClient.redis.config('SET', 'maxmemory-policy', 'allkeys-lru'));

      await subscription.close();
      await Promise.all([producerClient.close(), consumerClient.close()]);
      // The rules must cover everything the library does: not one refused command on the way.
      expect(consumerLogs.filter((line) => line.includes('NOPERM'))).toEqual([]);
      // Refusals inside the retry append's best-effort trim are logged, not raised.
      expect(consumerLogs.filter((line) => line.includes('cannot trim the retry stream'))).toEqual(
        [],
      );
    },
  );
});

describe('docs/security.md', () => {
  it('shows exactly the rules aclRules returns for topic orders and group order-workers', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../../docs/security.md', import.meta.url), 'utf8');
    const commands = [...doc.matchAll(/ACL SETUSER (\S+) reset on >\S+ ((?:[^\n]*\\\n)*[^\n]*)/g)];
    const shown = new Map(
      commands.map(([, user, rules]) => [
        user,
        rules!
          .replace(/\\\n/g, ' ')
          .match(/"[^"]*"|\S+/g)!
          .map((token) => token.replace(/^"|"$/g, '')),
      ]),
    );
    expect(shown.get('orders-producer')).toEqual(aclRules({ role: 'producer', topic: 'orders' }));
    expect(shown.get('order-workers')).toEqual(
      aclRules({ role: 'consumer', topic: 'orders', group: 'order-workers' }),
    );
  });
});
