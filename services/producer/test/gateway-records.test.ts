import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEventId } from '@redstream/codec';
import { type LaunchedRedis, launchRedis } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenForTests } from './helpers/http-client.js';
import {
  appendedEntryCount,
  appendedEventIds,
  orderCreated,
  type ProducerAppUnderTest,
  startProducerApp,
} from './helpers/producer-app.js';

let redis: LaunchedRedis;
let schemasDir: string;
const started: ProducerAppUnderTest[] = [];

beforeAll(async () => {
  redis = await launchRedis();
  // The shipped order schemas plus a click type, as an operator would lay them out.
  schemasDir = mkdtempSync(join(tmpdir(), 'gateway-schemas-'));
  cpSync(new URL('../schemas/orders', import.meta.url).pathname, schemasDir, { recursive: true });
  writeFileSync(
    join(schemasDir, 'click.v1.json'),
    JSON.stringify({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['url', 'ms'],
      properties: { url: { type: 'string', format: 'uri' }, ms: { type: 'integer', minimum: 0 } },
    }),
  );
});

afterAll(async () => {
  await Promise.all(started.map((producer) => producer.close()));
  await redis?.stop();
  rmSync(schemasDir, { recursive: true, force: true });
});

async function gateway(env: NodeJS.ProcessEnv = {}) {
  const producer = await startProducerApp(redis.url, { SCHEMAS_DIR: schemasDir, ...env });
  started.push(producer);
  return { producer, ...(await listenForTests(producer.app)) };
}

const clickEvent = (url: string, ms: unknown = 12) => ({
  type: 'click',
  key: 'user-1',
  payload: { url, ms },
  id: newEventId(),
});

describe('schemas from SCHEMAS_DIR over HTTP', () => {
  it('accepts a valid event of a file type, refuses an invalid one and an unknown type with 422', async () => {
    const http = await gateway();
    const path = `/topics/${http.producer.topic}/events`;
    expect((await http.post(path, clickEvent('https://shop.example/a'))).status).toBe(202);
    expect((await http.post(path, orderCreated('order-1'))).status).toBe(202);
    const invalid = await http.post(path, [
      clickEvent('https://shop.example/a'),
      clickEvent('x', -1),
    ]);
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject({
      error: 'schema-violation',
      index: 1,
      path: 'events[1].payload.url',
    });
    const unknown = await http.post(path, { type: 'view', payload: { page: 1 } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toBe('unknown-type');
    expect(unknown.body.message).toContain('click');
    expect(await appendedEntryCount(http.producer.client, http.producer.topic)).toBe(2);
  });

  it('lets unknown types through under UNKNOWN_TYPES=passthrough, still checking known ones', async () => {
    const http = await gateway({ UNKNOWN_TYPES: 'passthrough' });
    const path = `/topics/${http.producer.topic}/events`;
    expect((await http.post(path, { type: 'view', payload: { page: 1 } })).status).toBe(202);
    expect((await http.post(path, clickEvent('not a uri'))).status).toBe(422);
  });
});

describe('POST /v1/topics/:topic/records', () => {
  it('writes every valid record once, answers 207 with a result per record in order, and a retry appends nothing', async () => {
    const http = await gateway();
    const { topic, client } = http.producer;
    const ids = [newEventId(), newEventId(), newEventId(), newEventId()];
    const records = [
      { type: 'click', key: 'user-1', value: { url: 'https://shop.example/1', ms: 1 }, id: ids[0] },
      { type: 'click', key: 'user-1', value: { url: 'nope', ms: 1 }, id: ids[1] },
      'not a record',
      { type: 'order.created', key: 'order-9', value: orderCreated('order-9').payload, id: ids[2] },
      { type: 'view', value: {}, id: ids[3] },
      {
        type: 'click',
        value: { url: 'https://shop.example/2', ms: 2 },
        headers: { source: 'web' },
      },
    ];
    const first = await http.post(`/v1/topics/${topic}/records`, { records });
    expect(first.status).toBe(207);
    const offsets = first.body.offsets;
    expect(offsets).toHaveLength(6);
    expect(offsets[0]).toEqual({
      partition: expect.any(Number),
      offset: expect.stringMatching(/^\d+-\d+$/),
      eventId: ids[0],
      duplicate: false,
      error_code: null,
      error: null,
    });
    expect(offsets[1]).toMatchObject({
      partition: null,
      offset: null,
      eventId: ids[1],
      error_code: 422,
      reason: 'schema-violation',
      path: 'records[1].value.url',
    });
    expect(offsets[2]).toMatchObject({ eventId: null, error_code: 400, reason: 'invalid-event' });
    expect(offsets[3]).toMatchObject({ eventId: ids[2], error_code: null, duplicate: false });
    expect(offsets[4]).toMatchObject({ eventId: ids[3], error_code: 422, reason: 'unknown-type' });
    expect(offsets[5]).toMatchObject({ error_code: null, eventId: expect.any(String) });
    expect(await appendedEntryCount(client, topic)).toBe(3);

    const retry = await http.post(`/v1/topics/${topic}/records`, { records: records.slice(0, 5) });
    expect(retry.status).toBe(207);
    expect(retry.body.offsets[0]).toMatchObject({ duplicate: true, offset: offsets[0].offset });
    expect(retry.body.offsets[3]).toMatchObject({ duplicate: true, offset: offsets[3].offset });
    expect(retry.body.offsets[1].error_code).toBe(422);
    const counts = await appendedEventIds(client, topic);
    expect(counts.get(ids[0]!)).toBe(1);
    expect(counts.get(ids[2]!)).toBe(1);
    expect(counts.has(ids[1]!)).toBe(false);
    expect(await appendedEntryCount(client, topic)).toBe(3);
  });

  it('answers 200 when every record is written, and a 4xx with the offsets when none is', async () => {
    const http = await gateway();
    const path = `/v1/topics/${http.producer.topic}/records`;
    const ok = await http.post(path, {
      records: [{ type: 'click', value: { url: 'https://a.example/', ms: 0 } }],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.offsets[0].error_code).toBeNull();
    const none = await http.post(path, {
      records: [
        { type: 'click', value: { url: 'https://a.example/', ms: -1 } },
        { type: 'click', value: { url: 'x', ms: 1 } },
      ],
    });
    expect(none.status).toBe(422);
    expect(none.body).toMatchObject({ error: 'records-refused' });
    expect(none.body.offsets.map((entry: { path: string }) => entry.path)).toEqual([
      'records[0].value.ms',
      'records[1].value.url',
    ]);
    expect(await appendedEntryCount(http.producer.client, http.producer.topic)).toBe(1);
  });

  it('refuses a record whose id an earlier record of the request already has (each id appended once)', async () => {
    const http = await gateway();
    const path = `/v1/topics/${http.producer.topic}/records`;
    const value = { url: 'https://a.example/', ms: 1 };
    const answer = await http.post(path, {
      records: [
        { id: 'same-id', key: 'k1', type: 'click', value },
        { id: 'same-id', key: 'k2', type: 'click', value },
      ],
    });
    expect(answer.status).toBe(207);
    expect(answer.body.offsets[0].error_code).toBeNull();
    expect(answer.body.offsets[1]).toMatchObject({ error_code: 422, reason: 'duplicate-id' });
    expect(await appendedEntryCount(http.producer.client, http.producer.topic)).toBe(1);
  });

  it("takes Confluent v2's JSON content type as JSON", async () => {
    const http = await gateway();
    const answer = await http.post(
      `/v1/topics/${http.producer.topic}/records`,
      { records: [{ type: 'click', value: { url: 'https://a.example/', ms: 1 } }] },
      { 'content-type': 'application/vnd.kafka.json.v2+json' },
    );
    expect(answer.status).toBe(200);
    const document = (await http.get('/openapi.json')).body;
    expect(
      Object.keys(document.paths['/v1/topics/{topic}/records'].post.requestBody.content),
    ).toEqual(['application/json', 'application/vnd.kafka.json.v2+json']);
  });

  it('refuses a body that is not { records: [...] } as a whole', async () => {
    const http = await gateway({ MAX_BATCH_EVENTS: '2' });
    const path = `/v1/topics/${http.producer.topic}/records`;
    for (const body of [[], { records: [] }, { records: {} }, { records: [], extra: 1 }, 'null'])
      expect((await http.post(path, body)).body.error).toBe('invalid-body');
    const tooMany = await http.post(path, { records: [{}, {}, {}] });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toBe('too-many-events');
  });
});
