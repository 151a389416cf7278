import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerHealthRoutes } from './health-routes.js';
import { createHttpApp } from './http-app.js';

function appWith(ping: () => Promise<unknown>, notReady?: () => string | undefined) {
  const metrics = new Registry();
  new Counter({ name: 'kit_test_total', help: 'a counter', registers: [metrics] }).inc(2);
  const app = createHttpApp(pino({ level: 'silent' }));
  registerHealthRoutes(app, {
    health: () => ({ status: 'ok', extra: 1 }),
    redis: { ping },
    metrics,
    readyTimeoutMs: 50,
    ...(notReady ? { notReady } : {}),
  });
  return app;
}

describe('health routes', () => {
  it('answers /healthz, /readyz and /metrics', async () => {
    const app = appWith(async () => 'PONG');
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok', extra: 1 });
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toContain('kit_test_total 2');
  });

  it('is not ready while Redis fails or does not answer in time, or the service says so', async () => {
    const failing = appWith(async () => {
      throw new Error('Connection is closed.');
    });
    const refused = await failing.inject({ url: '/readyz' });
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toEqual({
      status: 'unavailable',
      reason: 'Redis PING failed: Connection is closed.',
    });
    const silent = await appWith(() => new Promise(() => {})).inject({ url: '/readyz' });
    expect(silent.json()).toMatchObject({ reason: 'Redis PING failed: no answer within 50 ms' });
    const draining = await appWith(
      async () => 'PONG',
      () => 'draining',
    ).inject({ url: '/readyz' });
    expect(draining.statusCode).toBe(503);
    expect(draining.json()).toEqual({ status: 'draining' });
  });
});
