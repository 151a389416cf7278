import { describe, expect, it, vi } from 'vitest';
import { eventIdTime, newEventId } from './event-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newEventId', () => {
  it('makes RFC 9562 UUIDv7 strings carrying the current time', () => {
    const before = Date.now();
    const id = newEventId();
    const after = Date.now();
    expect(id).toMatch(UUID_V7);
    const time = eventIdTime(id)!;
    // The counter may borrow a millisecond ahead, never more than a few in a burst.
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(after + 5);
  });

  it('is strictly increasing (as strings) across a burst inside the same milliseconds', () => {
    const ids = Array.from({ length: 50_000 }, () => newEventId());
    for (let i = 1; i < ids.length; i++) {
      if (!(ids[i - 1]! < ids[i]!))
        throw new Error(`not increasing at ${i}: ${ids[i - 1]} ${ids[i]}`);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stays monotonic when the clock steps back', () => {
    const spy = vi.spyOn(Date, 'now');
    try {
      spy.mockReturnValue(4_000_000_000_000);
      const first = newEventId();
      spy.mockReturnValue(3_000_000_000_000);
      const second = newEventId();
      expect(second > first).toBe(true);
      expect(eventIdTime(second)).toBe(4_000_000_000_000);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('eventIdTime', () => {
  it('reads the millisecond timestamp of a UUIDv7 and refuses other ids', () => {
    expect(eventIdTime('01890a5d-ac96-774b-bcce-b302099a8057')).toBe(0x01890a5dac96);
    expect(eventIdTime('01890a5d-ac96-474b-bcce-b302099a8057')).toBeUndefined(); // v4
    expect(eventIdTime('order-17')).toBeUndefined();
  });
});
