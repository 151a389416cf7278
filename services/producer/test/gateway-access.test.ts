import { newEventId } from '@redstream/codec';
import { type LaunchedRedis, launchRedis, uniqueName } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/api-keys.js';
import { listenForTests } from './helpers/http-client.js';
import {
  appendedEntryCount,
  orderCreated,
  type ProducerAppUnderTest,
  startProducerApp,
} from './helpers/producer-app.js';

let redis: LaunchedRedis;
const started: ProducerAppUnderTest[] = [];

beforeAll(async () => {
  redis = await launchRedis();
});

afterAll(async () => {
  await Promise.all(started.map((producer) => producer.close()));
  await redis?.stop();
});

async function gateway(env: NodeJS.ProcessEnv) {
  const producer = await startProducerApp(redis.url, env);
  started.push(producer);
  return { producer, ...(await listenForTests(producer.app)) };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const event = (orderId: string) => ({ ...orderCreated(orderId), id: newEventId() });

describe('API keys', () => {
  const orders = uniqueName('orders');
  const clicks = uniqueName('clicks');
  let http: Awaited<ReturnType<typeof gateway>>;

  beforeAll(async () => {
    http = await gateway({
      TOPICS: `${orders}:4,${clicks}:2`,
      API_KEYS: `writer:${sha256Hex('writer-key')}:${orders}\nadmin:${sha256Hex('admin-key')}`,
    });
  });

  it('answers 401 with a Bearer challenge without a key or with a wrong one, appending nothing', async () => {
    for (const headers of [
      {},
      bearer('not-a-key'),
      { authorization: 'Basic d3JpdGVyOndyaXRlci1rZXk=' },
      bearer('writer-key-but-longer'),
    ]) {
      const single = await http.post(`/topics/${orders}/events`, event('order-a'), headers);
      expect(single.status).toBe(401);
      expect(single.body.error).toBe('unauthorized');
      expect(single.headers.get('www-authenticate')).toMatch(/^Bearer /);
      const records = await http.post(
        `/v1/topics/${orders}/records`,
        { records: [{ type: 'order.created', value: event('order-a').payload }] },
        headers,
      );
      expect(records.status).toBe(401);
    }
    expect(await appendedEntryCount(http.producer.client, orders)).toBe(0);
  });

  it('accepts the right key, and refuses 403 a topic outside its scope', async () => {
    const ok = await http.post(`/topics/${orders}/events`, event('order-b'), bearer('writer-key'));
    expect(ok.status).toBe(202);
    const scoped = await http.post(
      `/topics/${clicks}/events`,
      event('order-c'),
      bearer('writer-key'),
    );
    expect(scoped.status).toBe(403);
    expect(scoped.body).toMatchObject({ error: 'forbidden-topic' });
    expect(scoped.body.message).toContain(`may not write topic "${clicks}"`);
    const admin = await http.post(
      `/topics/${clicks}/events`,
      event('order-c'),
      bearer('admin-key'),
    );
    expect(admin.status).toBe(202);
    expect(await appendedEntryCount(http.producer.client, orders)).toBe(1);
    expect(await appendedEntryCount(http.producer.client, clicks, 2)).toBe(1);
  });

  it('serves only the TOPICS allow-list (404 for another topic, even an existing one)', async () => {
    await http.producer.client.ensureTopic(uniqueName('elsewhere'), { partitions: 1 });
    const other = await http.post(
      `/topics/${http.producer.topic}/events`,
      event('order-d'),
      bearer('admin-key'),
    );
    expect(other.status).toBe(404);
    expect(other.body.message).toContain('is not served here');
  });

  it('never logs or answers with the key', async () => {
    const wrong = await http.post(
      `/topics/${orders}/events`,
      event('order-e'),
      bearer('s3cret-guess'),
    );
    expect(JSON.stringify(wrong.body)).not.toContain('s3cret-guess');
  });
});

describe('AUTO_CREATE_TOPICS', () => {
  it('creates a topic on its first write with DEFAULT_PARTITIONS', async () => {
    const http = await gateway({ AUTO_CREATE_TOPICS: 'true', DEFAULT_PARTITIONS: '3' });
    const fresh = uniqueName('auto');
    const answer = await http.post(`/topics/${fresh}/events`, event('order-f'));
    expect(answer.status).toBe(202);
    expect((await http.producer.client.topics.getTopic(fresh))?.partitions).toBe(3);
  });

  it('creates nothing for a caller over its rate limit', async () => {
    const http = await gateway({
      AUTO_CREATE_TOPICS: 'true',
      RATE_LIMIT_EVENTS_PER_SECOND: '1',
    });
    const first = uniqueName('auto');
    expect((await http.post(`/topics/${first}/events`, event('order-h'))).status).toBe(202);
    const refused = uniqueName('auto');
    const answer = await http.post(`/topics/${refused}/events`, event('order-i'));
    expect(answer.status).toBe(429);
    expect(await http.producer.client.topics.getTopic(refused)).toBeUndefined();
  });

  it('is off by default: an unknown topic is a 404', async () => {
    const http = await gateway({});
    const answer = await http.post(`/topics/${uniqueName('nope')}/events`, event('order-g'));
    expect(answer.status).toBe(404);
    expect(answer.body.error).toBe('unknown-topic');
  });
});

describe('rate limits per API key, kept in Redis', () => {
  it('answers 429 with Retry-After and RateLimit fields, then lets the key through again', async () => {
    const env = {
      API_KEYS: `limited:${sha256Hex('limited-key')} other:${sha256Hex('other-key')}`,
      RATE_LIMIT_EVENTS_PER_SECOND: '10',
      RATE_LIMIT_BYTES_PER_SECOND: '1000000',
    };
    const http = await gateway(env);
    const path = `/topics/${http.producer.topic}/events`;
    const batch = (n: number) => Array.from({ length: n }, (_, i) => event(`order-r${i}`));

    const first = await http.post(path, batch(10), bearer('limited-key'));
    expect(first.status).toBe(202);
    expect(first.headers.get('ratelimit-policy')).toBe(
      '"events";q=10;w=1;qu="events", "bytes";q=1000000;w=1;qu="content-bytes"',
    );
    expect(first.headers.get('ratelimit')).toMatch(/^"events";r=0;t=1, "bytes";r=\d+;t=1$/);

    const refused = await http.post(path, batch(3), bearer('limited-key'));
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe('rate-limited');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('ratelimit')).toMatch(/^"events";r=0;t=1,/);
    expect(await appendedEntryCount(http.producer.client, http.producer.topic)).toBe(10);

    // Another key has its own bucket; a second replica on the same Redis shares this one's.
    expect((await http.post(path, batch(3), bearer('other-key'))).status).toBe(202);
    const replica = await gateway({ ...env, TOPIC: http.producer.topic });
    const viaReplica = await replica.post(path, batch(3), bearer('limited-key'));
    expect(viaReplica.status).toBe(429);

    await new Promise((resolve) =>
      setTimeout(resolve, 1000 * Number(refused.headers.get('retry-after'))),
    );
    const recovered = await http.post(path, batch(3), bearer('limited-key'));
    expect(recovered.status).toBe(202);
    expect(await appendedEntryCount(http.producer.client, http.producer.topic)).toBe(16);
  });

  it('limits bytes too, and lets a request larger than the bucket through only on a full one', async () => {
    const http = await gateway({ RATE_LIMIT_BYTES_PER_SECOND: '2000' });
    const path = `/topics/${http.producer.topic}/events`;
    const big = Array.from({ length: 30 }, (_, i) => event(`order-b${i}`));
    expect(JSON.stringify(big).length).toBeGreaterThan(3 * 2000);
    expect((await http.post(path, big)).status).toBe(202);
    const next = await http.post(path, event('order-small'));
    expect(next.status).toBe(429);
    // The big request's debt (its bytes over the 2000 the bucket held) is what the wait pays back.
    expect(Number(next.headers.get('retry-after'))).toBeGreaterThanOrEqual(3);
  });
});
