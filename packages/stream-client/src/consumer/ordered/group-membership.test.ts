import { describe, expect, it } from 'vitest';
import { GroupMembership } from './group-membership.js';

const SESSION = 2500;

describe('GroupMembership', () => {
  it('is the registered members and the lease holders while heartbeats come on time', () => {
    const membership = new GroupMembership(SESSION);
    expect(membership.observe(0, ['x', 'y'], ['z'])).toEqual(['x', 'y', 'z']);
    // z's entry expired and it holds no lease, heartbeats kept coming: it is gone.
    expect(membership.observe(300, ['x', 'y'], [])).toEqual(['x', 'y']);
  });

  it('keeps the members seen before a registry outage for two session timeouts after it', () => {
    const membership = new GroupMembership(SESSION);
    membership.observe(0, ['x', 'y', 'z'], ['x', 'y', 'z']);
    // The registry's master failed over for 4 s: every entry expired, z held its leases there.
    const back = 4000;
    expect(membership.observe(back, ['y'], ['y'])).toEqual(['x', 'y', 'z']);
    expect(membership.observe(back + 300, ['y', 'z'], ['y'])).toEqual(['x', 'y', 'z']);
    // x really died in the outage: it leaves the view when the window closes.
    expect(membership.observe(back + 2 * SESSION + 1, ['y', 'z'], ['y', 'z'])).toEqual(['y', 'z']);
  });

  it('does not keep a member that was only kept by an earlier window', () => {
    const membership = new GroupMembership(SESSION);
    membership.observe(0, ['x', 'y'], []);
    membership.observe(4000, ['y'], []); // x kept until 9000
    // A second outage inside the window: x was never seen since the first one.
    expect(membership.observe(6000, ['y'], [])).toEqual(['y']);
  });
});
