import { describe, expect, it } from 'vitest';
import { GroupMembership, type RegistryAnswer } from './group-membership.js';

const SESSION = 2500;

function answer(nowMs: number, registered: string[], lapse?: [number, number]): RegistryAnswer {
  return { nowMs, registered, lapse: lapse && { fromMs: lapse[0], toMs: lapse[1] } };
}

describe('GroupMembership', () => {
  it('is the registered members and the lease holders while the registry has no lapse', () => {
    const membership = new GroupMembership(SESSION);
    expect(membership.observe(answer(0, ['x', 'y']), ['z'])).toEqual(['x', 'y', 'z']);
    // z's entry expired and it holds no lease while the registry kept hearing heartbeats:
    // z is gone, however long this replica itself was away.
    expect(membership.observe(answer(300, ['x', 'y']), [])).toEqual(['x', 'y']);
    expect(membership.observe(answer(60_000, ['x']), [])).toEqual(['x']);
  });

  it('keeps the members seen before a lapse of the registry for two session timeouts after it', () => {
    const membership = new GroupMembership(SESSION);
    membership.observe(answer(0, ['x', 'y', 'z']), ['x', 'y', 'z']);
    // The registry's master failed over: no heartbeat heard from 100 to 4100, every entry
    // expired, and x held its leases on that master.
    const lapse: [number, number] = [100, 4100];
    expect(membership.observe(answer(4100, ['y'], lapse), ['y', 'z'])).toEqual(['x', 'y', 'z']);
    expect(membership.observe(answer(4400, ['y', 'z'], lapse), ['y', 'z'])).toEqual([
      'x',
      'y',
      'z',
    ]);
    // x really died in the outage: it leaves the view when the window closes.
    expect(membership.observe(answer(4100 + 2 * SESSION, ['y', 'z'], lapse), [])).toEqual([
      'y',
      'z',
    ]);
  });

  it('keeps no member this replica saw long before the lapse', () => {
    const membership = new GroupMembership(SESSION);
    membership.observe(answer(0, ['x', 'y']), []);
    // This replica was away (stalled) for a minute; a lapse came after.
    expect(membership.observe(answer(64_000, ['y'], [60_000, 64_000]), [])).toEqual(['y']);
  });

  it('keeps a member seen just before a second lapse inside the first window', () => {
    const membership = new GroupMembership(SESSION);
    membership.observe(answer(0, ['x', 'y']), []);
    expect(membership.observe(answer(4000, ['y'], [100, 4000]), [])).toEqual(['x', 'y']);
    // x registered again, then the registry lapsed once more before the window closed.
    membership.observe(answer(4300, ['x', 'y']), []);
    expect(membership.observe(answer(8000, ['y'], [4300, 8000]), [])).toEqual(['x', 'y']);
    expect(membership.observe(answer(8000 + 2 * SESSION, ['y'], [4300, 8000]), [])).toEqual(['y']);
  });
});
