import { newEventId } from '@redstream/codec';
import { type LaunchedRedis, launchRedis } from '@redstream/testkit';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/api-keys.js';
import { type HttpAnswer, listenForTests } from './helpers/http-client.js';
import {
  orderCreated,
  type ProducerAppUnderTest,
  startProducerApp,
} from './helpers/producer-app.js';

let redis: LaunchedRedis;
let producer: ProducerAppUnderTest;
let http: Awaited<ReturnType<typeof listenForTests>>;

beforeAll(async () => {
  redis = await launchRedis();
  producer = await startProducerApp(redis.url, {
    API_KEYS: `all:${sha256Hex('key')} none:${sha256Hex('scoped')}:elsewhere`,
    RATE_LIMIT_EVENTS_PER_SECOND: '40',
    MAX_BODY_BYTES: '8192',
  });
  http = await listenForTests(producer.app);
});

afterAll(async () => {
  await producer?.close();
  await redis?.stop();
});

const auth = { authorization: 'Bearer key' };
const event = (orderId: string) => ({ ...orderCreated(orderId), id: newEventId() });

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document of both ingest routes with bearer security', async () => {
    const { status, body } = await http.get('/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/topics/{topic}/events', '/v1/topics/{topic}/records']),
    );
    expect(body.paths['/openapi.json']).toBeUndefined();
    expect(body.components.securitySchemes.apiKey).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    const records = body.paths['/v1/topics/{topic}/records'].post;
    expect(records.security).toEqual([{ apiKey: [] }]);
    expect(Object.keys(records.responses['429'].headers)).toEqual([
      'retry-after',
      'ratelimit-policy',
      'ratelimit',
    ]);
    expect(Object.keys(records.responses['401'].headers)).toEqual(['www-authenticate']);
    expect(records.responses['200'].headers).toHaveProperty('ratelimit');
  });

  it('describes every answer the routes really give: each validates against its documented schema', async () => {
    const document = (await http.get('/openapi.json')).body;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const events = `/topics/${producer.topic}/events`;
    const records = `/v1/topics/${producer.topic}/records`;
    const answers: [string, HttpAnswer][] = [
      ['/topics/{topic}/events', await http.post(events, event('o-1'), auth)],
      ['/topics/{topic}/events', await http.post(events, [event('o-2'), event('o-3')], auth)],
      [
        '/topics/{topic}/events',
        await http.post(events, { ...event('o-4'), payload: { seq: 'x' } }, auth),
      ],
      ['/topics/{topic}/events', await http.post(events, '{"type":', auth)],
      ['/topics/{topic}/events', await http.post(events, event('o-5'))],
      [
        '/topics/{topic}/events',
        await http.post(events, event('o-6'), { authorization: 'Bearer scoped' }),
      ],
      [
        '/topics/{topic}/events',
        await http.post('/topics/missing-topic/events', event('o-7'), auth),
      ],
      ['/topics/{topic}/events', await http.post(events, 'x'.repeat(9000), auth)],
      [
        '/topics/{topic}/events',
        await http.post(events, event('o-8'), { ...auth, 'content-type': 'text/plain' }),
      ],
      [
        '/v1/topics/{topic}/records',
        await http.post(
          records,
          { records: [{ type: 'order.created', value: event('o-9').payload }] },
          auth,
        ),
      ],
      [
        '/v1/topics/{topic}/records',
        await http.post(
          records,
          {
            records: [
              { type: 'order.created', value: event('o-10').payload, id: newEventId() },
              { type: 'order.lost', value: {} },
            ],
          },
          auth,
        ),
      ],
      [
        '/v1/topics/{topic}/records',
        await http.post(records, { records: [{ type: 'order.paid', value: {} }] }, auth),
      ],
      ['/v1/topics/{topic}/records', await http.post(records, { nope: 1 }, auth)],
      [
        '/v1/topics/{topic}/records',
        await http.post(records, { records: Array.from({ length: 40 }, () => 'x') }, auth),
      ],
    ];
    const statuses = new Set<number>();
    for (const [path, answer] of answers) {
      const documented = document.paths[path].post.responses[String(answer.status)];
      expect(documented, `${path} answers ${answer.status}, which is not documented`).toBeDefined();
      const schema = documented.content['application/json'].schema;
      const validate = ajv.compile(schema);
      const valid = validate(answer.body);
      expect(
        valid,
        `${path} ${answer.status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(answer.body)}`,
      ).toBe(true);
      statuses.add(answer.status);
      // Documented response headers are there (RateLimit fields: the rate limit is on here).
      for (const header of Object.keys(documented.headers ?? {}))
        expect(
          answer.headers.get(header),
          `${path} ${answer.status} header ${header}`,
        ).not.toBeNull();
    }
    expect([...statuses].sort()).toEqual([200, 202, 207, 400, 401, 403, 404, 413, 415, 422, 429]);
  });
});
