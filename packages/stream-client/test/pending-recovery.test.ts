import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { StreamClient } from '../src/index.js';
import { useCluster } from './helpers/cluster.js';
import { loose } from './helpers/loose-options.js';
import { pendingOf } from './helpers/pending.js';
import { useRedis } from './helpers/redis.js';
import { FAST, killConnectionsNamed, MODES } from './helpers/settle-contracts.js';

/**
 * Issue 14, defects 8 and 9: recovery paths of the read loops.
 * 8: on a cluster, ordering none has one reader per partition but one shared "pending pass
 *    needed" flag: after a start or a connection error only one partition's own pending
 *    entries are read again, the rest wait for the claim round (claimIdleMs).
 * 9: recreating a vanished group can fail (here: the ACL refuses XGROUP for a while); the read
 *    loop must survive that, without an unhandled rejection, and consume again afterwards.
 */
const cluster = useCluster();
const own = useRedis({ own: true });

const partitions = 6;
const total = 60;

/** A topic whose groups exist (a probe subscription created them) and `total` events in it. */
async function topicWithEvents(client: StreamClient): Promise<string> {
  const topic = uniqueName('pend');
  await client.ensureTopic(topic, { partitions });
  const probe = await client.subscribe(
    loose({
      ...FAST.none,
      topic,
      group: 'g',
      consumer: 'probe',
      handler: () => {},
    }),
  );
  await probe.close();
  await client.producer().publishMany(
    topic,
    Array.from({ length: total }, (_, n) => ({ type: 't', key: `key-${n}`, payload: { n } })),
  );
  return topic;
}

/** Reads every partition's new entries as `consumer` (a read whose reply nobody saw); returns ids per stream. */
async function readAs(client: StreamClient, topic: string, consumer: string) {
  const read = new Map<string, string[]>();
  for (let p = 0; p < partitions; p++) {
    const stream = client.keys.partitionStream(topic, p);
    const reply = (await client.redis.xreadgroup(
      'GROUP',
      'g',
      consumer,
      'COUNT',
      1000,
      'STREAMS',
      stream,
      '>',
    )) as Array<[string, Array<[string, string[]]>]> | null;
    read.set(
      stream,
      (reply?.[0]?.[1] ?? []).map(([id]) => id),
    );
  }
  return read;
}

function nonEmptyPartitions(read: Map<string, string[]>): number {
  return [...read.values()].filter((ids) => ids.length > 0).length;
}

const targets = [
  { target: 'a Redis Cluster', env: cluster },
  // The same scenario on one Redis (one reader for all partitions) passes today: a guard
  // that the scenario itself is sound.
  { target: 'a single Redis (guard: passes today)', env: own },
];

describe.each(targets)(
  'ordering none re-reads its own pending entries of every partition ($target)',
  ({ env }) => {
    // claimIdleMs 60 s: only the replica's own pending pass can find the entries in time.
    const recovery = { ...FAST.none, claimIdleMs: 60_000, claimIntervalMs: 200 };

    it('at start: a restarted replica handles what it had read in every partition', async () => {
      const client = await env.client();
      const topic = await topicWithEvents(client);
      const read = await readAs(client, topic, 'c');
      expect(nonEmptyPartitions(read)).toBeGreaterThan(1);
      const handled = new Set<number>();
      const subscription = await (await env.client()).subscribe<{ n: number }>(
        loose<{ n: number }>({
          ...recovery,
          topic,
          group: 'g',
          consumer: 'c',
          handler: (event) => void handled.add(event.payload.n),
        }),
      );
      await waitFor(() => handled.size === total, {
        description: `all ${total} handled`,
        timeoutMs: 10_000,
      }).catch(() => {});
      const observed = JSON.stringify({
        handled: handled.size,
        stillPending: await pendingOf(client, topic, partitions, 'c'),
      });
      await subscription.close();
      expect(handled.size, observed).toBe(total);
    });

    it('after its connections are killed: entries delivered into lost replies in several partitions are handled well before claimIdleMs', async () => {
      const client = await env.client();
      const topic = await topicWithEvents(client);
      // Delivered to a ghost first, so the live replica cannot read them through '>'.
      const read = await readAs(client, topic, 'ghost');
      expect(nonEmptyPartitions(read)).toBeGreaterThan(1);
      const handled = new Set<number>();
      const subscription = await (await env.client({ clientName: 'victim8' })).subscribe<{
        n: number;
      }>(
        loose<{ n: number }>({
          ...recovery,
          topic,
          group: 'g',
          consumer: 'c',
          handler: (event) => void handled.add(event.payload.n),
        }),
      );
      await sleep(500);
      // Now they are pending in 'c', which never saw them: what a reply lost with a dropped
      // connection leaves behind. Then the connections drop.
      for (const stream of read.keys())
        await client.redis.xautoclaim(stream, 'g', 'c', 0, '0-0', 'COUNT', 1000);
      expect(await killConnectionsNamed(client, 'victim8')).toBeGreaterThan(0);
      await waitFor(() => handled.size === total, {
        description: `all ${total} handled`,
        timeoutMs: 10_000,
      }).catch(() => {});
      const observed = JSON.stringify({
        handled: handled.size,
        stillPending: await pendingOf(client, topic, partitions, 'c'),
      });
      await subscription.close();
      expect(handled.size, observed).toBe(total);
    });
  },
);

describe.each(MODES)(
  'a read loop survives a group recreation that fails (ordering %s, single Redis)',
  (ordering) => {
    it('keeps consuming, with no unhandled rejection, after XGROUP CREATE was refused for a while', async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      onTestFinished(() => void process.off('unhandledRejection', onUnhandled));

      const admin = await own.client();
      const user = uniqueName('user');
      await admin.redis.acl('SETUSER', user, 'on', '>secret', '~*', '&*', '+@all');
      const client = await own.client({ username: user, password: 'secret' });
      const topic = uniqueName('regroup');
      await admin.ensureTopic(topic, { partitions: 1 });
      const handled: number[] = [];
      const subscription = await client.subscribe<{ n: number }>(
        loose<{ n: number }>({
          ...FAST[ordering],
          topic,
          group: 'g',
          consumer: 'c',
          ordering,
          handler: (event) => void handled.push(event.payload.n),
        }),
      );
      await admin.producer().publish(topic, { type: 't', key: 'k', payload: { n: 1 } });
      await waitFor(() => handled.includes(1), { description: 'the first event' });

      // The group vanishes and, for a while, cannot be recreated.
      await admin.redis.acl('SETUSER', user, '-xgroup');
      await admin.redis.del(admin.keys.partitionStream(topic, 0));
      await sleep(1500);
      await admin.redis.acl('SETUSER', user, '+xgroup');

      await admin.producer().publish(topic, { type: 't', key: 'k', payload: { n: 2 } });
      await waitFor(() => handled.includes(2), {
        description: 'the event published after the recreation could succeed again',
        timeoutMs: 15_000,
      }).catch(() => {});
      const observed = JSON.stringify({
        handled,
        unhandled: unhandled.map((reason) => String((reason as Error)?.message ?? reason)),
      });
      await subscription.close();
      expect(unhandled, observed).toEqual([]);
      expect(handled, observed).toContain(2);
    });
  },
);
