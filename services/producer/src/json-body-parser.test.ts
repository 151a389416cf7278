import { createHttpApp } from '@redstream/service-kit';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { registerJsonBodyParser } from './json-body-parser.js';

const app = createHttpApp(pino({ level: 'silent' }));
registerJsonBodyParser(app);
app.post('/echo', async (request) => ({ body: request.body }));

function post(payload: string | Buffer, contentType = 'application/json') {
  return app.inject({
    method: 'POST',
    url: '/echo',
    headers: { 'content-type': contentType },
    payload,
  });
}

describe('the ingest JSON body parser', () => {
  it('parses UTF-8 JSON, escaped surrogate pairs and escaped backslashes included', async () => {
    const text = '{"a":"\\ud83d\\ude00 é","b":"\\\\ud800","c":"\\\\\\ud83d\\ude00"}';
    const response = await post(text, 'application/json; charset=UTF-8');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ body: { a: '😀 é', b: '\\ud800', c: '\\😀' } });
  });

  it('refuses bytes that are not UTF-8 instead of replacing them', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"key":"o-'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    const response = await post(bytes);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('not valid UTF-8');
  });

  it('refuses a surrogate escape without its pair', async () => {
    for (const text of [
      '"\\ud800"',
      '"\\uDC00x"',
      '"\\ud800\\u0041"',
      '"\\\\\\udbff"',
      '"\\ud800\\ud800"',
    ]) {
      const response = await post(`{"a":${text}}`);
      expect(response.statusCode, text).toBe(400);
      expect(response.body, text).toContain('without its surrogate pair');
    }
  });

  it('refuses another declared charset with 415, and keeps refusing prototype poisoning', async () => {
    expect((await post('{}', 'application/json; charset=latin1')).statusCode).toBe(415);
    for (const text of ['{"__proto__":{"x":1}}', '[{"a":{"constructor":{"prototype":{}}}}]']) {
      const response = await post(text);
      expect(response.statusCode, text).toBe(400);
      // Valid JSON refused for its keys says so, not "not valid JSON".
      expect(response.body, text).toContain('refused as prototype poisoning');
    }
    expect((await post('{"a":')).body).not.toContain('prototype');
  });
});
