import { describe, expect, it } from 'vitest';
import { WaitTimeoutError } from './errors.js';
import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? 'ready' : undefined), {
      description: 'three calls',
      intervalMs: 1,
    });
    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('times out with a message naming what was awaited and the last error', async () => {
    const error = await waitFor(
      () => {
        throw new Error('still broken');
      },
      { description: 'the impossible', timeoutMs: 50, intervalMs: 5 },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toMatch(
      /50 ms waiting for the impossible \(last error: still broken\)/,
    );
  });
});
