import { uniqueName } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/index.js';
import { useRedis } from './helpers/redis.js';

const env = useRedis();

describe('RateLimiter (token buckets in Redis)', () => {
  it('lets a full bucket through, refuses with the wait, and refills at the rate', async () => {
    const client = await env.client();
    const limiter = client.rateLimiter({ eventsPerSecond: 100, bytesPerSecond: 0 });
    const name = uniqueName('key');
    const first = await limiter.take(name, { events: 100, bytes: 1 });
    expect(first).toMatchObject({
      allowed: true,
      retryAfterMs: 0,
      events: { quota: 100, windowSeconds: 1, remaining: 0 },
    });
    expect(first.bytes).toBeUndefined();
    const refused = await limiter.take(name, { events: 20, bytes: 1 });
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(100);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(200);
    await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs + 20));
    expect((await limiter.take(name, { events: 20, bytes: 1 })).allowed).toBe(true);
  });

  it('is shared by every client on the Redis, per name', async () => {
    const a = await env.client();
    const b = await env.client();
    {
      const options = { eventsPerSecond: 0, bytesPerSecond: 1000, burstSeconds: 2 };
      const name = uniqueName('shared');
      expect((await a.rateLimiter(options).take(name, { events: 1, bytes: 1500 })).allowed).toBe(
        true,
      );
      const viaB = await b.rateLimiter(options).take(name, { events: 1, bytes: 1000 });
      expect(viaB).toMatchObject({ allowed: false, bytes: { quota: 2000 } });
      // 500 left by the first client, plus what refilled in the milliseconds between.
      expect(viaB.bytes!.remaining).toBeGreaterThanOrEqual(500);
      expect(viaB.bytes!.remaining).toBeLessThan(900);
      expect(
        (await b.rateLimiter(options).take(uniqueName('other'), { events: 1, bytes: 1000 }))
          .allowed,
      ).toBe(true);
    }
  });

  it('charges a request larger than the bucket only on a full bucket, leaving it in debt', async () => {
    const limiter = (await env.client()).rateLimiter({ eventsPerSecond: 10, bytesPerSecond: 0 });
    const name = uniqueName('big');
    expect((await limiter.take(name, { events: 25, bytes: 0 })).allowed).toBe(true);
    const next = await limiter.take(name, { events: 1, bytes: 0 });
    // 15 events of debt plus the one asked for, at 10 per second.
    expect(next.allowed).toBe(false);
    expect(next.retryAfterMs).toBeGreaterThan(1500);
    expect(next.retryAfterMs).toBeLessThanOrEqual(1600);
  });

  it('refuses bad options and bucket names', async () => {
    const client = await env.client();
    expect(() => client.rateLimiter({ eventsPerSecond: -1, bytesPerSecond: 0 })).toThrow(
      InvalidOptionError,
    );
    expect(() =>
      client.rateLimiter({ eventsPerSecond: 1, bytesPerSecond: 0, burstSeconds: 0.5 }),
    ).toThrow(/burstSeconds/);
    const limiter = client.rateLimiter({ eventsPerSecond: 1, bytesPerSecond: 0 });
    await expect(limiter.take('has space', { events: 1, bytes: 0 })).rejects.toThrow(
      /invalid rate-limit bucket name/,
    );
    // A negative cost would refill the bucket, NaN would leave it unreadable.
    for (const cost of [
      { events: -5, bytes: 0 },
      { events: Number.NaN, bytes: 0 },
      { events: 1, bytes: Number.POSITIVE_INFINITY },
    ])
      await expect(limiter.take('caller', cost)).rejects.toThrow(InvalidOptionError);
  });
});
