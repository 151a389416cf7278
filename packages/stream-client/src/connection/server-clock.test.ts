import { describe, expect, it } from 'vitest';
import type { RedisClient } from './redis-connection.js';
import { ServerClock } from './server-clock.js';

/** A fake TIME: the server's clock is the local monotonic clock plus `offset`, read halfway through a 10 ms round trip. */
function fakeServer(offsetMs: number) {
  let monotonic = 1_000;
  let calls = 0;
  const redis = {
    time: async () => {
      calls++;
      monotonic += 5;
      const server = monotonic + offsetMs;
      monotonic += 5;
      return [String(Math.floor(server / 1000)), String((server % 1000) * 1000)];
    },
  } as unknown as RedisClient;
  return {
    redis,
    monotonic: () => monotonic,
    advance: (ms: number) => {
      monotonic += ms;
    },
    get calls() {
      return calls;
    },
  };
}

describe('ServerClock', () => {
  it("reads the server's time, carried forward on the local monotonic clock", async () => {
    const offset = 1_700_000_000_000;
    const server = fakeServer(offset);
    const clock = new ServerClock(server.redis, 60_000, server.monotonic);
    expect(await clock.now()).toBe(server.monotonic() + offset);
    server.advance(30_000);
    expect(await clock.now()).toBe(server.monotonic() + offset);
    expect(server.calls).toBe(1);
  });

  it('measures again after the refresh interval, once for concurrent callers', async () => {
    const server = fakeServer(5_000_000);
    const clock = new ServerClock(server.redis, 60_000, server.monotonic);
    await Promise.all([clock.now(), clock.now(), clock.now()]);
    expect(server.calls).toBe(1);
    server.advance(60_000);
    await Promise.all([clock.now(), clock.now()]);
    expect(server.calls).toBe(2);
  });
});
