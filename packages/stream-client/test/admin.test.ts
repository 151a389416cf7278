import { uniqueName, waitFor } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, NonRetriableError, type StreamClient } from '../src/index.js';
import { useRedis } from './helpers/redis.js';

const env = useRedis();

/** Appends `count` events to partition 0 with ids `ageMs` in the past (known ages). */
async function appendAged(client: StreamClient, topic: string, count: number, ageMs: number) {
  const stream = client.keys.partitionStream(topic, 0);
  const base = Date.now() - ageMs;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { fields } = client.codec.encode({ type: 't', key: 'k', payload: { i } });
    ids.push(String(await client.redis.xadd(stream, `${base}-${i + 1}`, ...fields)));
  }
  return ids;
}

describe('admin queries', () => {
  it('reports lag, pending, ages and consumers as set up', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 1 });
    const stream = client.keys.partitionStream(topic, 0);
    await client.redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    await appendAged(client, topic, 30, 60_000);
    // 15 delivered: 10 acked, 5 left pending with consumer "slow"; 15 never delivered.
    const delivered = (await client.redis.xreadgroup(
      'GROUP',
      'g',
      'slow',
      'COUNT',
      15,
      'STREAMS',
      stream,
      '>',
    )) as [string, [string, string[]][]][];
    const ids = delivered[0]![1].map(([id]) => id);
    await client.redis.xack(stream, 'g', ...ids.slice(0, 10));

    const lag = await client.admin.groupLag(topic, 'g');
    const [partition] = lag.partitions;
    expect(partition).toMatchObject({ partition: 0, lag: 15, lagExact: true, pending: 5 });
    expect(partition!.lagSeconds).toBeGreaterThanOrEqual(59);
    expect(partition!.lagSeconds).toBeLessThan(75);
    expect(partition!.oldestPendingAgeMs).toBeGreaterThanOrEqual(59_000);
    expect(partition!.consumers).toEqual([expect.objectContaining({ name: 'slow', pending: 5 })]);
    expect(lag.totals).toMatchObject({ lag: 15, pending: 5 });

    // Caught up: no lag, no pending, zero seconds behind.
    await client.redis.xack(stream, 'g', ...ids.slice(10));
    await client.redis
      .xreadgroup('GROUP', 'g', 'slow', 'COUNT', 100, 'STREAMS', stream, '>')
      .then(async (reply) => {
        const rest = (reply as [string, [string, string[]][]][])[0]![1].map(([id]) => id);
        await client.redis.xack(stream, 'g', ...rest);
      });
    expect((await client.admin.groupLag(topic, 'g')).totals).toMatchObject({
      lag: 0,
      pending: 0,
      maxLagSeconds: 0,
    });
  });

  it('counts lag when Redis cannot (entries deleted inside the range)', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 1 });
    const stream = client.keys.partitionStream(topic, 0);
    await client.redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    const ids = await appendAged(client, topic, 10, 1000);
    await client.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 2, 'STREAMS', stream, '>');
    await client.redis.xdel(stream, ids[5]!);
    const [partition] = (await client.admin.groupLag(topic, 'g')).partitions;
    expect(partition!.lag).toBe(7);
  });

  it('lists dead letters and redrives them to the group that failed them, once', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 2 });
    let healthy = false;
    const handled: number[] = [];
    const otherGroup: number[] = [];
    const subscription = await client.subscribe<{ n: number }>({
      topic,
      group: 'billing',
      consumer: 'c',
      handler: (event) => {
        if (!healthy) throw new NonRetriableError('ledger offline');
        handled.push(event.payload.n);
      },
    });
    const other = await client.subscribe<{ n: number }>({
      topic,
      group: 'audit',
      consumer: 'c',
      handler: (event) => void otherGroup.push(event.payload.n),
    });
    await client.producer().publishMany(
      topic,
      [1, 2, 3].map((n) => ({ type: 'invoice', key: `k${n}`, payload: { n } })),
    );
    await waitFor(async () => (await client.admin.listDeadLetters(topic)).length === 3, {
      description: 'three dead letters',
    });
    const deadLetters = await client.admin.listDeadLetters(topic, { group: 'billing' });
    expect(deadLetters.map((dl) => dl.reason)).toEqual([
      'non-retriable',
      'non-retriable',
      'non-retriable',
    ]);
    expect(deadLetters[0]!.error).toContain('ledger offline');

    const dryRun = await client.admin.redriveDeadLetters(topic, { dryRun: true });
    expect(dryRun).toMatchObject({ moved: 0 });
    expect(dryRun.selected).toHaveLength(3);

    healthy = true;
    const progress: number[] = [];
    const result = await client.admin.redriveDeadLetters(topic, {
      onProgress: (done) => progress.push(done),
    });
    expect(result).toMatchObject({ moved: 3, skipped: 0 });
    expect(progress).toEqual([1, 2, 3]);
    await waitFor(() => handled.length === 3, { description: 'the redriven events handled' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await Promise.all([subscription.close(), other.close()]);
    expect(handled.sort()).toEqual([1, 2, 3]);
    // The audit group had them already; redrive targets only billing.
    expect(otherGroup.sort()).toEqual([1, 2, 3]);
    expect(await client.admin.listDeadLetters(topic)).toHaveLength(0);
  });

  it('purges dead letters matching a filter', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 1 });
    const subscription = await client.subscribe<{ n: number }>({
      topic,
      group: 'g',
      consumer: 'c',
      handler: () => {
        throw new NonRetriableError('no');
      },
    });
    await client.producer().publishMany(
      topic,
      [1, 2, 3, 4].map((n) => ({ type: n % 2 ? 'odd' : 'even', payload: { n } })),
    );
    await waitFor(async () => (await client.admin.listDeadLetters(topic)).length === 4, {
      description: 'four dead letters',
    });
    await subscription.close();
    expect(
      await client.admin.purgeDeadLetters(topic, { filter: (dl) => dl.event?.type === 'odd' }),
    ).toBe(2);
    expect((await client.admin.listDeadLetters(topic)).map((dl) => dl.event?.type)).toEqual([
      'even',
      'even',
    ]);
    expect(await client.admin.purgeDeadLetters(topic)).toBe(2);
  });

  it('replays a group from a time, and a closed range for one group only', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 1 });
    const stream = client.keys.partitionStream(topic, 0);
    const now = Date.now();
    for (let i = 0; i < 10; i++) {
      const { fields } = client.codec.encode({ type: 't', payload: { i } });
      await client.redis.xadd(stream, `${now - 10_000 + i * 1000}-0`, ...fields);
    }
    await client.redis.xgroup('CREATE', stream, 'g', '$');
    await client.redis.xgroup('CREATE', stream, 'bystander', '$');
    const plan = await client.admin.planReplay(topic, { from: now - 5000 });
    expect(plan.total).toBe(5);

    await client.admin.replay(topic, 'g', { from: now - 5000 });
    expect((await client.admin.groupLag(topic, 'g')).totals.lag).toBe(5);
    // Replaying from a later time never moves a group forward past what it has not read.
    await client.admin.replay(topic, 'g', { from: now - 2000 });
    expect((await client.admin.groupLag(topic, 'g')).totals.lag).toBe(5);

    const seen: number[] = [];
    const bystander: number[] = [];
    await client.redis.xgroup('SETID', stream, 'g', '$');
    const ranged = await client.admin.replay(topic, 'g', { from: now - 8000, to: now - 6000 });
    expect(ranged.total).toBe(3);
    const subscription = await client.subscribe<{ i: number }>({
      topic,
      group: 'g',
      consumer: 'c',
      handler: (event) => void seen.push(event.payload.i),
    });
    const other = await client.subscribe<{ i: number }>({
      topic,
      group: 'bystander',
      consumer: 'c',
      handler: (event) => void bystander.push(event.payload.i),
    });
    await waitFor(() => seen.length === 3, { description: 'the replayed range' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await Promise.all([subscription.close(), other.close()]);
    expect(seen).toEqual([2, 3, 4]);
    expect(bystander).toEqual([]);
  });

  it('safe trim never removes entries a group has not acked', async () => {
    const client = await env.client();
    const topic = uniqueName('topic');
    await client.ensureTopic(topic, { partitions: 1 });
    const stream = client.keys.partitionStream(topic, 0);
    await client.redis.xgroup('CREATE', stream, 'fast', '0', 'MKSTREAM');
    await client.redis.xgroup('CREATE', stream, 'slow', '0');
    const ids = await appendAged(client, topic, 20, 10_000);
    const fast = (await client.redis.xreadgroup(
      'GROUP',
      'fast',
      'c',
      'COUNT',
      20,
      'STREAMS',
      stream,
      '>',
    )) as [string, [string, string[]][]][];
    await client.redis.xack(stream, 'fast', ...fast[0]![1].map(([id]) => id));
    // slow received 8 and acked 5: entries from the 6th on are still needed.
    const slow = (await client.redis.xreadgroup(
      'GROUP',
      'slow',
      'c',
      'COUNT',
      8,
      'STREAMS',
      stream,
      '>',
    )) as [string, [string, string[]][]][];
    await client.redis.xack(stream, 'slow', ...slow[0]![1].slice(0, 5).map(([id]) => id));

    const [result] = await client.admin.trim(topic, { safe: true, maxLen: 2 });
    expect(result).toMatchObject({ before: 20, after: 15, removed: 5, safeBound: ids[5] });
    const progress: number[] = [];
    const [unsafe] = await client.admin.trim(topic, {
      maxLen: 2,
      onProgress: (done) => progress.push(done),
    });
    expect(unsafe).toMatchObject({ before: 15, after: 2 });
    expect(progress).toEqual([1]);
    const [everything] = await client.admin.trim(topic, { maxLen: 0 });
    expect(everything).toMatchObject({ before: 2, after: 0, removed: 2 });
  });

  it("a trim without a bound defaults to the topic's retention, never to everything acked", async () => {
    const client = await env.client();
    /** A topic whose only group received and acked all 912 entries. */
    const ackedTopic = async (retention: { maxLen?: number; maxAgeMs?: number }) => {
      const topic = uniqueName('topic');
      await client.ensureTopic(topic, { partitions: 1, retention: { ...retention, safe: true } });
      const stream = client.keys.partitionStream(topic, 0);
      await client.redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
      // 900 entries two hours old, 12 from now.
      await appendAged(client, topic, 900, 2 * 3_600_000);
      await appendAged(client, topic, 12, 0);
      const read = (await client.redis.xreadgroup(
        'GROUP',
        'g',
        'c',
        'COUNT',
        1000,
        'STREAMS',
        stream,
        '>',
      )) as [string, [string, string[]][]][];
      await client.redis.xack(stream, 'g', ...read[0]![1].map(([id]) => id));
      return topic;
    };

    // Acked by today's groups is not "no longer wanted": replays and new groups read it.
    const byLength = await ackedTopic({ maxLen: 100 });
    const [safe] = await client.admin.trim(byLength, { safe: true });
    expect(safe).toMatchObject({ before: 912, after: 100, removed: 812 });
    const [plain] = await client.admin.trim(byLength, {});
    expect(plain).toMatchObject({ before: 100, after: 100 });

    const byAge = await ackedTopic({ maxAgeMs: 3_600_000 });
    const [aged] = await client.admin.trim(byAge, { safe: true });
    expect(aged).toMatchObject({ before: 912, after: 12, removed: 900 });

    // An explicit bound still wins over the stored one.
    const [explicit] = await client.admin.trim(byLength, { safe: true, maxLen: 40 });
    expect(explicit).toMatchObject({ before: 100, after: 40 });

    // Nothing to default to: refused, naming what to pass; nothing removed.
    const bare = await ackedTopic({});
    const refused = await client.admin
      .trim(bare, { safe: true })
      .catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(InvalidOptionError);
    expect((refused as Error).message).toMatch(/maxLen or olderThanMs/);
    expect(await client.redis.xlen(client.keys.partitionStream(bare, 0))).toBe(912);
  });
});
