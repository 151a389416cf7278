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
    /** The retry stream's entries: their ids, and the original entry each one retries. */
    const appended = async () =>
      (await client.redis.xrange(retry, '-', '+')).map(([id, entryFields]) => ({
        id,
        origin: entryFields[entryFields.indexOf('rs:origin') + 1]!.split('@')[1]!,
      }));
    const ids = async () => (await appended()).map((entry) => entry.id);
    // The worker appends concurrently: compare origins as sets.
    const origins = async () => (await appended()).map((entry) => entry.origin).sort();
    const holds = async (wanted: string[]) => {
      const present = await origins();
      return wanted.every((origin) => present.includes(origin));
    };
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
      const acked = delivered.slice(0, 6);
      const pending = delivered.slice(6);
      await client.redis.xack(retry, group, ...acked);

      await scheduleRetries(5);
      await waitFor(() => holds(['1-11', '1-12', '1-13', '1-14', '1-15']), {
        description: '5 more retries',
      });
      // The acked 6 are gone; the 4 pending and the 5 not yet read are kept.
      const kept = await ids();
      expect(kept).toHaveLength(9);
      for (const id of acked) expect(kept).not.toContain(id);
      for (const id of pending) expect(kept).toContain(id);

      // Everything read and acked: the next append leaves only itself.
      const rest = await read(10);
      expect(rest).toHaveLength(5);
      await client.redis.xack(retry, group, ...pending, ...rest);
      await scheduleRetries(1);
      await waitFor(() => holds(['1-16']), { description: 'a retry' });
      expect(await origins()).toEqual(['1-16']);

      // Without the group (FLUSHALL, a destroyed group) nobody's progress is known: keep all.
      await client.redis.xgroup('DESTROY', retry, group);
      await scheduleRetries(2);
      await waitFor(() => holds(['1-17', '1-18']), { description: '2 retries' });
      expect(await origins()).toEqual(['1-16', '1-17', '1-18']);
    } finally {
      await scheduler.close();
      await client.connection.closeReader(bull);
    }
  });
});
