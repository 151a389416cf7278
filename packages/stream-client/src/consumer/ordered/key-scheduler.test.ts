import { describe, expect, it } from 'vitest';
import { KeyScheduler } from './key-scheduler.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('KeyScheduler', () => {
  it('runs entries of one key one at a time in order, different keys concurrently', async () => {
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const perKeyRunning = new Map<string, number>();
    const scheduler = new KeyScheduler<{ key: string; n: number }>(async ({ key, n }) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      perKeyRunning.set(key, (perKeyRunning.get(key) ?? 0) + 1);
      expect(perKeyRunning.get(key)).toBe(1);
      await tick();
      log.push(`${key}${n}`);
      perKeyRunning.set(key, perKeyRunning.get(key)! - 1);
      running--;
    });
    for (let n = 0; n < 5; n++)
      for (const key of ['a', 'b', 'c']) scheduler.enqueue(key, { key, n });
    while (scheduler.size > 0) await tick();
    for (const key of ['a', 'b', 'c']) {
      expect(log.filter((item) => item.startsWith(key))).toEqual(
        [0, 1, 2, 3, 4].map((n) => `${key}${n}`),
      );
    }
    expect(maxRunning).toBe(3);
  });

  it('drops queued entries on stop but lets the running ones finish', async () => {
    const done: number[] = [];
    const scheduler = new KeyScheduler<number>(async (n) => {
      await tick();
      done.push(n);
    });
    for (let n = 0; n < 4; n++) scheduler.enqueue('k', n);
    expect(scheduler.stop()).toBe(3);
    while (scheduler.size > 0) await tick();
    expect(done).toEqual([0]);
  });
});
