import { connect } from 'node:net';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpApp } from './http-app.js';

const app = createHttpApp(pino({ level: 'silent' }));
app.get('/', async () => ({ ok: true }));
afterAll(() => app.close());

/** Sends `request` in 1 KiB pieces on a raw socket and collects what comes back. */
async function exchange(port: number, request: string): Promise<{ text: string; error?: string }> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const done = new Promise<{ text: string; error?: string }>((resolve) => {
    socket.on('close', () => resolve({ text }));
    socket.on('error', (error) => resolve({ text, error: error.message }));
  });
  for (let offset = 0; offset < request.length && !socket.destroyed; offset += 1024) {
    socket.write(request.slice(offset, offset + 1024));
    await new Promise((resolve) => setImmediate(resolve));
  }
  socket.end();
  return done;
}

describe('createHttpApp', () => {
  it('answers headers over the limit with 431 and a JSON reason, and the client gets it', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const headers = Array.from({ length: 3000 }, (_, i) => `x-h-${i}: ${i}\r\n`).join('');
    const { text, error } = await exchange(port, `GET / HTTP/1.1\r\nhost: x\r\n${headers}\r\n`);
    expect(error).toBeUndefined();
    expect(text).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(text).toContain('Connection: close');
    expect(text).toContain(
      '{"error":"headers-too-large","message":"the request headers are over 16 KiB"}',
    );

    const garbage = await exchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(garbage.text).toContain('"error":"malformed-request"');
    expect((await app.inject({ url: '/' })).json()).toEqual({ ok: true });
  });
});
