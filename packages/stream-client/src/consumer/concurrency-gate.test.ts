import { describe, expect, it } from 'vitest';
import { ConcurrencyGate } from './concurrency-gate.js';

describe('ConcurrencyGate', () => {
  it('starts work at once while slots are free, then in FIFO order as holders release', async () => {
    const gate = new ConcurrencyGate(2);
    const started: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) gate.whenFree(() => started.push(name));
    expect(started).toEqual(['a', 'b']);
    gate.release();
    expect(started).toEqual(['a', 'b', 'c']);
    // An awaiting acquirer queues behind the callbacks already waiting.
    let acquired = false;
    void gate.acquire().then(() => {
      acquired = true;
    });
    gate.release();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    gate.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(acquired).toBe(true);
    // Released slots are free again once nobody waits.
    gate.release();
    gate.release();
    expect(gate.tryAcquire()).toBe(true);
    expect(gate.tryAcquire()).toBe(true);
    expect(gate.tryAcquire()).toBe(false);
  });

  it('hands over to a long line of waiters that finish at once without growing the stack', () => {
    const gate = new ConcurrencyGate(1);
    expect(gate.tryAcquire()).toBe(true);
    let finished = 0;
    // Each waiter releases inside its own start, as work of a revoked partition does.
    for (let i = 0; i < 50_000; i++)
      gate.whenFree(() => {
        finished++;
        gate.release();
      });
    gate.release();
    expect(finished).toBe(50_000);
    expect(gate.tryAcquire()).toBe(true);
  });
});
