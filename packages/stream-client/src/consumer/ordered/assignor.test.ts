import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StickyAssignor } from './assignor.js';

const assignor = new StickyAssignor();

function owners(assignment: Map<string, number[]>): Map<number, string> {
  const result = new Map<number, string>();
  for (const [member, partitions] of assignment)
    for (const partition of partitions) result.set(partition, member);
  return result;
}

describe('StickyAssignor', () => {
  it('spreads 8 partitions over 3 members as 3/3/2', () => {
    const assignment = assignor.assign({
      members: ['c', 'a', 'b'],
      partitions: 8,
      current: new Map(),
    });
    expect([...assignment.values()].map((list) => list.length).sort()).toEqual([2, 3, 3]);
    expect(owners(assignment).size).toBe(8);
  });

  it('is deterministic whatever the order of members', () => {
    const a = assignor.assign({ members: ['x', 'y', 'z'], partitions: 7, current: new Map() });
    const b = assignor.assign({ members: ['z', 'x', 'y'], partitions: 7, current: new Map() });
    expect(a).toEqual(b);
  });

  it('moves only the partitions that must move when a member joins', () => {
    const before = assignor.assign({ members: ['a', 'b'], partitions: 8, current: new Map() });
    const after = assignor.assign({
      members: ['a', 'b', 'c'],
      partitions: 8,
      current: owners(before),
    });
    const moved = [...owners(after)].filter(
      ([partition, owner]) => owners(before).get(partition) !== owner,
    );
    expect(moved.length).toBe(after.get('c')!.length);
    expect(after.get('c')!.length).toBe(2);
  });

  it('gives only the departed member partitions away when one leaves', () => {
    const before = assignor.assign({ members: ['a', 'b', 'c'], partitions: 8, current: new Map() });
    const current = new Map([...owners(before)].filter(([, owner]) => owner !== 'b'));
    const after = assignor.assign({ members: ['a', 'c'], partitions: 8, current });
    for (const [partition, owner] of current) expect(owners(after).get(partition)).toBe(owner);
  });

  it('always assigns every partition exactly once with balanced counts (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 9 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.nat(40), fc.nat(12))),
        (members, partitions, ownership) => {
          const current = new Map<number, string>();
          for (const [partition, memberIndex] of ownership) {
            if (partition < partitions && memberIndex < members.length)
              current.set(partition, members[memberIndex]!);
          }
          const assignment = assignor.assign({ members, partitions, current });
          const all = [...assignment.values()].flat().sort((x, y) => x - y);
          expect(all).toEqual(Array.from({ length: partitions }, (_, i) => i));
          const counts = [...assignment.values()].map((list) => list.length);
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
