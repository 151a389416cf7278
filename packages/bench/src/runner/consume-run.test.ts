import { describe, expect, it } from 'vitest';
import { balancedAssignment } from './consume-run.js';

describe('balancedAssignment', () => {
  it('holds when every partition has one owner and shares differ by at most one', () => {
    expect(balancedAssignment([[0, 1, 2, 3, 4, 5, 6, 7]], 8)).toBe(true);
    expect(
      balancedAssignment(
        [
          [0, 2, 4],
          [1, 3, 5],
          [6, 7],
        ],
        8,
      ),
    ).toBe(true);
  });

  it('fails while a consumer has not reported, owns too much, or a partition is missing or shared', () => {
    expect(balancedAssignment([[0, 1, 2, 3, 4, 5, 6, 7], undefined], 8)).toBe(false);
    expect(balancedAssignment([[0, 1, 2, 3, 4, 5, 6, 7], []], 8)).toBe(false);
    expect(
      balancedAssignment(
        [
          [0, 1, 2],
          [3, 4, 5, 6],
        ],
        8,
      ),
    ).toBe(false);
    expect(
      balancedAssignment(
        [
          [0, 1, 2, 3],
          [3, 4, 5, 6, 7],
        ],
        8,
      ),
    ).toBe(false);
  });
});
