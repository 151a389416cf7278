import { createStreamClient, type StreamClient } from '@redstream/stream-client';
import { type LaunchedRedis, launchRedis, uniqueName, waitFor } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  DashboardHistory,
  DashboardSnapshot,
  DeadLetterDetail,
  DeadLetterSummary,
} from '../src/index.js';
import { type RunningDashboard, startDashboard } from '../src/index.js';
import { ConsumerProcesses } from './helpers/consumer-processes.js';

const TOKEN = 'test-admin-token-0123456789';
const PARTITIONS = 4;

let redis: LaunchedRedis;
let client: StreamClient;
let withToken: RunningDashboard;
let readOnly: RunningDashboard;
const consumers = new ConsumerProcesses();
const topic = uniqueName('dash');
const group = 'workers';

async function getJson<T>(dashboard: RunningDashboard, path: string): Promise<T> {
  const response = await fetch(new URL(path, dashboard.url));
  expect(response.status, `${path}: ${response.status}`).toBe(200);
  return (await response.json()) as T;
}

function redrive(dashboard: RunningDashboard, body: unknown, token?: string) {
  return fetch(new URL(`api/topics/${topic}/dead-letters/redrive`, dashboard.url), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  redis = await launchRedis();
  client = await createStreamClient({ url: redis.url });
  await client.ensureTopic(topic, { partitions: PARTITIONS });
  const producer = client.producer();
  await producer.publishMany(
    topic,
    Array.from({ length: 200 }, (_, i) => ({ type: 'order', key: `k${i % 40}`, payload: { i } })),
  );
  await producer.publishMany(
    topic,
    ['p1', 'p2', 'p3'].map((key) => ({ type: 'poison', key, payload: { bytes: 'ff00' } })),
  );
  // A second group nobody consumes, with a few entries delivered and never acked: lag and
  // pending that stand still, so the dashboard's numbers can be compared exactly.
  for (let p = 0; p < PARTITIONS; p++) {
    const stream = client.keys.partitionStream(topic, p);
    await client.redis.xgroup('CREATE', stream, 'idle', '0');
    await client.redis.xreadgroup('GROUP', 'idle', 'stuck', 'COUNT', p + 1, 'STREAMS', stream, '>');
  }
  await client.redis.sadd(client.keys.groups(topic), 'idle');
  const env = { REDIS_URL: redis.url, TOPIC: topic, GROUP: group, HANDLE_MS: '5' };
  await Promise.all([consumers.start('alpha', env), consumers.start('beta', env)]);
  [withToken, readOnly] = await Promise.all([
    startDashboard({ client, port: 0, topics: [topic], adminToken: TOKEN, discoverEveryMs: 500 }),
    startDashboard({ client, port: 0, topics: [topic], discoverEveryMs: 500 }),
  ]);
});

afterAll(async () => {
  await Promise.all([withToken?.close(), readOnly?.close()]);
  await consumers.stopAll();
  await client?.close();
  await redis?.stop();
});

describe('dashboard server against real consumers', () => {
  it('shows the owners, epochs and lag that groupLag and Redis report', async () => {
    // Both replicas own partitions, everything handled but the three poison events.
    await waitFor(
      async () => {
        const snapshot = await getJson<DashboardSnapshot>(withToken, 'api/snapshot');
        const view = snapshot.topics[0]?.groups.find((g) => g.name === group);
        const owners = new Set(view?.partitions.map((p) => p.owner));
        return (
          view?.partitions.length === PARTITIONS &&
          owners.has('alpha') &&
          owners.has('beta') &&
          view.totals.lag === 0 &&
          view.totals.pending === 0 &&
          snapshot.topics[0]!.deadLetters === 3
        );
      },
      {
        timeoutMs: 30_000,
        intervalMs: 250,
        description: 'both consumers owning partitions with the work done',
      },
    );
    const snapshot = await getJson<DashboardSnapshot>(withToken, 'api/snapshot');
    const topicView = snapshot.topics[0]!;
    expect(topicView).toMatchObject({ name: topic, partitionCount: PARTITIONS, length: 203 });
    expect(topicView.entriesAdded).toBe(203);

    const live = topicView.groups.find((g) => g.name === group)!;
    const liveLag = await client.admin.groupLag(topic, group);
    for (const row of live.partitions) {
      const expected = liveLag.partitions[row.partition]!;
      const lease = await client.redis.get(client.keys.lease(topic, row.partition, group));
      expect(`${row.owner}|${row.epoch}`).toBe(lease);
      expect({ owner: row.owner, epoch: row.epoch, lag: row.lag, pending: row.pending }).toEqual({
        owner: expected.owner,
        epoch: expected.epoch,
        lag: expected.lag,
        pending: expected.pending,
      });
    }
    const owned = live.consumers.flatMap((c) => c.ownedPartitions).sort();
    expect(owned).toEqual([0, 1, 2, 3]);
    expect(live.members).toEqual(['alpha', 'beta']);

    const idle = topicView.groups.find((g) => g.name === 'idle')!;
    const idleLag = await client.admin.groupLag(topic, 'idle');
    for (const row of idle.partitions) {
      const expected = idleLag.partitions[row.partition]!;
      const stream = client.keys.partitionStream(topic, row.partition);
      const [pending] = (await client.redis.xpending(stream, 'idle')) as [number];
      const info = (await client.redis.xinfo('GROUPS', stream)) as unknown[][];
      const redisLag = info
        .map((r) => Object.fromEntries(chunk(r)))
        .find((r) => r.name === 'idle')!.lag;
      expect(row.pending).toBe(row.partition + 1);
      expect(row.pending).toBe(Number(pending));
      expect(row.lag).toBe(Number(redisLag));
      expect(row).toMatchObject({
        lag: expected.lag,
        pending: expected.pending,
        lastDeliveredId: expected.lastDeliveredId,
        owner: null,
        epoch: null,
      });
      // The snapshot is at most a second old.
      expect(Math.abs(row.lagSeconds - expected.lagSeconds)).toBeLessThan(1.5);
    }
    expect(idle.totals).toMatchObject({ lag: idleLag.totals.lag, pending: idleLag.totals.pending });
    expect(idle.consumers).toEqual([
      expect.objectContaining({ name: 'stuck', pending: 10, ownedPartitions: [] }),
    ]);
  });

  it('streams one snapshot a second over server-sent events, the first at once', async () => {
    const abort = new AbortController();
    const response = await fetch(new URL('api/events', withToken.url), { signal: abort.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const snapshots: DashboardSnapshot[] = [];
    const started = Date.now();
    while (snapshots.length < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = message.split('\n').find((line) => line.startsWith('data: '));
        if (data) snapshots.push(JSON.parse(data.slice(6)) as DashboardSnapshot);
        end = buffer.indexOf('\n\n');
      }
    }
    abort.abort();
    expect(Date.now() - started).toBeLessThan(4000);
    const gaps = snapshots.slice(1).map((s, i) => s.takenAt - snapshots[i]!.takenAt);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(900);
      expect(gap).toBeLessThan(2000);
    }
    expect(snapshots[2]!.topics[0]!.groups.map((g) => g.name)).toEqual(['idle', group]);
    const history = await getJson<DashboardHistory>(withToken, 'api/history');
    expect(history.lag[`${topic}/${group}`]!.length).toBeGreaterThan(2);
  });

  it('lists and shows dead letters decoded', async () => {
    const { deadLetters } = await getJson<{ deadLetters: DeadLetterSummary[] }>(
      withToken,
      `api/topics/${topic}/dead-letters`,
    );
    expect(deadLetters).toHaveLength(3);
    expect(deadLetters[0]).toMatchObject({ group, eventType: 'poison', reason: 'non-retriable' });
    const first = deadLetters[0]!;
    const detail = await getJson<DeadLetterDetail>(
      withToken,
      `api/topics/${topic}/dead-letters/${first.partition}/${first.id}`,
    );
    expect(detail.event).toMatchObject({ type: 'poison', payload: { bytes: 'ff00' } });
    expect(detail.error).toMatch(/poison event/);
    const missing = await fetch(new URL(`api/topics/${topic}/dead-letters/0/1-1`, withToken.url));
    expect(missing.status).toBe(404);
    const badId = await fetch(new URL(`api/topics/${topic}/dead-letters/0/nope`, withToken.url));
    expect(badId.status).toBe(400);
    const noTopic = await fetch(new URL('api/topics/no-such-topic/dead-letters', withToken.url));
    expect(noTopic.status).toBe(404);
  });

  it('refuses redrive without the token (401) or without one configured (403), then redrives once with it', async () => {
    const { deadLetters } = await getJson<{ deadLetters: DeadLetterSummary[] }>(
      withToken,
      `api/topics/${topic}/dead-letters`,
    );
    const target = deadLetters[0]!;
    const selection = { entries: [{ partition: target.partition, id: target.id }] };

    const missing = await redrive(withToken, selection);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: 'token-missing' });
    const wrong = await redrive(withToken, selection, `${TOKEN}x`);
    expect(wrong.status).toBe(401);
    // Checked before the body: without the token, a malformed body is a 401 too, not a 400.
    expect((await redrive(withToken, { bogus: true })).status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'token-wrong' });
    const refused = await redrive(readOnly, selection, TOKEN);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: 'read-only' });
    const nothing = await redrive(withToken, {}, TOKEN);
    expect(nothing.status).toBe(400);
    // Nothing moved by the refusals.
    const stream = client.keys.partitionStream(topic, target.partition);
    const lengthBefore = await client.redis.xlen(stream);
    expect(
      await client.redis.xlen(client.keys.deadLetters(topic, target.partition)),
    ).toBeGreaterThan(0);

    const done = await redrive(withToken, selection, TOKEN);
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ moved: 1, skipped: 0 });
    expect(await client.redis.xlen(stream)).toBe(lengthBefore + 1);
    const again = await redrive(withToken, selection, TOKEN);
    expect(await again.json()).toEqual({ moved: 0, skipped: 0 });
    expect(await client.redis.xlen(stream)).toBe(lengthBefore + 1);
    // The redriven entry goes back to the group that failed it (and, poison again, comes back).
    const ids = (await client.admin.listDeadLetters(topic)).map((d) => d.id);
    expect(ids).not.toContain(target.id);
  });
});

function chunk(row: unknown[]): Array<[string, unknown]> {
  const pairs: Array<[string, unknown]> = [];
  for (let i = 0; i + 1 < row.length; i += 2) pairs.push([String(row[i]), row[i + 1]]);
  return pairs;
}
