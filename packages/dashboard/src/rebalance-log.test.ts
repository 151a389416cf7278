import { describe, expect, it } from 'vitest';
import { RebalanceLog } from './rebalance-log.js';

const owned = (...rows: Array<[string | null, number | null]>) =>
  rows.map(([owner, epoch], partition) => ({ partition, owner, epoch }));

describe('RebalanceLog', () => {
  it('records partitions that changed owner or epoch, merging moves seconds apart', () => {
    const log = new RebalanceLog();
    log.observe('t', 'g', 1000, owned(['a', 1], ['b', 1], ['b', 1]));
    log.observe('t', 'g', 2000, owned(['a', 1], ['b', 1], ['b', 1]));
    expect(log.list()).toEqual([]);
    // b dies: its partitions lapse, then a takes them over with new epochs.
    log.observe('t', 'g', 3000, owned(['a', 1], [null, null], [null, null]));
    log.observe('t', 'g', 4000, owned(['a', 1], ['a', 2], ['a', 2]));
    expect(log.list()).toEqual([
      {
        topic: 't',
        group: 'g',
        at: 3000,
        until: 4000,
        members: ['a'],
        moved: [
          { partition: 1, from: 'b', to: 'a', epoch: 2 },
          { partition: 2, from: 'b', to: 'a', epoch: 2 },
        ],
      },
    ]);
    // Much later: a new rebalance.
    log.observe('t', 'g', 60_000, owned(['c', 2], ['a', 2], ['a', 2]));
    expect(log.list()).toHaveLength(2);
    expect(log.list()[1]).toMatchObject({ at: 60_000, members: ['a', 'c'] });
  });

  it('starts a new rebalance when a partition moves again away from the owner it just got', () => {
    const log = new RebalanceLog();
    log.observe('t', 'g', 1000, owned(['a', 1], ['a', 1]));
    // b joins and takes partition 1, then dies two seconds later: the lease lapses, a takes it.
    log.observe('t', 'g', 2000, owned(['a', 1], ['b', 2]));
    log.observe('t', 'g', 4000, owned(['a', 1], [null, null]));
    log.observe('t', 'g', 5000, owned(['a', 1], ['a', 3]));
    expect(log.list().map((r) => r.moved)).toEqual([
      [{ partition: 1, from: 'a', to: 'b', epoch: 2 }],
      [{ partition: 1, from: 'b', to: 'a', epoch: 3 }],
    ]);
  });
});
