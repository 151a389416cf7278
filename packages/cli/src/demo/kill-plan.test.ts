import { describe, expect, it } from 'vitest';
import { pickRandom, planKills } from './kill-plan.js';

function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe('planKills', () => {
  it('plans each kill between 10% and 80% of the events, in order', () => {
    // Each kill draws its moment, then its replacement delay.
    const plan = planKills(3, 20_000, sequence(0.9, 0.5, 0, 0, 0.999, 1 - 1e-9));
    expect(plan.map((kill) => kill.atHandled)).toEqual([2000, 14_600, 15_985]);
    for (const kill of plan) {
      expect(kill.replaceAfterMs).toBeGreaterThanOrEqual(200);
      expect(kill.replaceAfterMs).toBeLessThan(1000);
    }
  });

  it('plans nothing for --kill 0 and at least one event in for tiny runs', () => {
    expect(planKills(0, 100)).toEqual([]);
    expect(planKills(1, 1, () => 0)[0]!.atHandled).toBe(1);
  });

  it('picks uniformly from the candidates', () => {
    expect(pickRandom([], () => 0.5)).toBeUndefined();
    expect(pickRandom(['a', 'b', 'c'], () => 0.99)).toBe('c');
    expect(pickRandom(['a', 'b', 'c'], () => 0)).toBe('a');
  });
});
