import { uniqueName, waitFor } from '@redstream/testkit';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RetryScheduler } from '../src/consumer/retry-scheduler.js';
import type { StreamEntry } from '../src/consumer/stream-entry.js';
import { useRedis } from './helpers/redis.js';

const env = useRedis();

type ReadReply = [string, [string, string[]][]][] | null;

describe('group retry streams', () => {
  it('drop what the group has acked as retries are appended, and never an unacked retry', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 1 });
    const group = 'g';
    const retry = client.keys.retryStream(topic, 0, group);
    await client.redis.xgroup('CREATE', retry, group, '0', 'MKSTREAM');
    const bull = await client.connection.createReader('bullmq', { resendOnReconnect: true });
    const scheduler = new RetryScheduler(
      bull,
      client.keys,
      topic,
      group,
      pino({ level: 'silent' }),
    );
    // Raw entry fields, as a consumer reads them.
    const fields = client.codec
      .encode({ type: 't', payload: 1 })
      .fields.map((field) => Buffer.from(field));
    let next = 1;
    const scheduleRetries = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const entry: StreamEntry = {
          stream: client.keys.partitionStream(topic, 0),
          partition: 0,
          id: `1-${next++}`,
          fields,
          deliveryCount: 1,
          fromRetry: false,
        };
        await scheduler.schedule(entry, 2, 0);
      }
    };
    const appended = async () =>
      (await client.redis.xrange(retry, '-', '+')).map(
        ([, entryFields]) => entryFields[entryFields.indexOf('rs:origin') + 1]!.split('@')[1],
      );
    const read = async (count: number) => {
      const reply = (await client.redis.xreadgroup(
        'GROUP',
        group,
        'c',
        'COUNT',
        count,
        'STREAMS',
        retry,
        '>',
      )) as ReadReply;
      return reply?.[0]?.[1].map(([id]) => id) ?? [];
    };

    try {
      await scheduleRetries(10);
      await waitFor(async () => (await appended()).length === 10, { description: '10 retries' });
      const delivered = await read(10);
      // 6 handled and acked; 4 still pending (their handlers run, or their replica died).
      await client.redis.xack(retry, group, ...delivered.slice(0, 6));

      await scheduleRetries(5);
      await waitFor(async () => (await appended()).includes('1-15'), {
        description: '5 more retries',
      });
      // The acked 6 are gone; the 4 pending and the 5 not yet read are kept.
      expect(await appended()).toEqual([
        '1-7',
        '1-8',
        '1-9',
        '1-10',
        '1-11',
        '1-12',
        '1-13',
        '1-14',
        '1-15',
      ]);

      // Everything read and acked: the next append leaves only itself.
      const rest = await read(10);
      await client.redis.xack(retry, group, ...delivered.slice(6), ...rest);
      await scheduleRetries(1);
      await waitFor(async () => (await appended()).includes('1-16'), { description: 'a retry' });
      expect(await appended()).toEqual(['1-16']);

      // Without the group (FLUSHALL, a destroyed group) nobody's progress is known: keep all.
      await client.redis.xgroup('DESTROY', retry, group);
      await scheduleRetries(2);
      await waitFor(async () => (await appended()).includes('1-18'), { description: '2 retries' });
      expect(await appended()).toEqual(['1-16', '1-17', '1-18']);
    } finally {
      await scheduler.close();
      await client.connection.closeReader(bull);
    }
  });
});
