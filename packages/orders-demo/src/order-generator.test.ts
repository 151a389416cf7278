import { createCodec } from '@redstream/codec';
import { describe, expect, it } from 'vitest';
import { createOrderRegistry, statusForSeq } from './order-events.js';
import { OrderGenerator } from './order-generator.js';

describe('OrderGenerator', () => {
  it('produces the requested count over K keys, each key in seq order with the status cycle', () => {
    const generator = new OrderGenerator({ runId: 'run-test', keys: 7, events: 50, seed: 42 });
    const events = [...generator.take(13), ...generator.take(100)];
    expect(events).toHaveLength(50);
    expect(generator.done).toBe(true);
    expect(generator.take(10)).toEqual([]);

    const lastSeq = new Map<string, number>();
    for (const event of events) {
      const { orderId, seq, status, runId, amount, items } = event.payload;
      expect(event.key).toBe(orderId);
      expect(runId).toBe('run-test');
      expect(seq).toBe((lastSeq.get(orderId) ?? 0) + 1);
      lastSeq.set(orderId, seq);
      expect(status).toBe(statusForSeq(seq));
      expect(event.type).toBe(`order.${status}`);
      expect(amount).toBe(items.reduce((sum, item) => sum + item.qty * item.unitPrice, 0));
      expect(event.headers?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
    expect(lastSeq.size).toBe(7);
    // 50 events over 7 keys: 7 full rounds and one more event.
    expect([...lastSeq.values()].sort()).toEqual([7, 7, 7, 7, 7, 7, 8]);
    expect(new Set(events.map((event) => event.id)).size).toBe(50);
  });

  it('interleaves keys in a shuffled order that the seed reproduces', () => {
    const keysOf = (seed: number) =>
      new OrderGenerator({ runId: 'r', keys: 20, events: 40, seed })
        .take(40)
        .map((event) => event.key);
    expect(keysOf(1)).toEqual(keysOf(1));
    expect(keysOf(1)).not.toEqual(keysOf(2));
    expect(keysOf(1).slice(0, 20)).not.toEqual(keysOf(1).slice(20));
  });

  it('runs forever without a count', () => {
    const generator = new OrderGenerator({ runId: 'r', keys: 3 });
    for (let i = 0; i < 10; i++) expect(generator.take(1000)).toHaveLength(1000);
    expect(generator.done).toBe(false);
    expect(generator.produced).toBe(10_000);
  });

  it('makes events that pass the order schemas', () => {
    const codec = createCodec({ contentType: 'msgpack', registry: createOrderRegistry() });
    for (const event of new OrderGenerator({ runId: 'r', keys: 5, events: 20 }).take(20)) {
      const decoded = codec.decode(codec.encode(event).fields);
      expect(decoded.payload).toEqual(event.payload);
    }
  });

  it('refuses bad options with the option name', () => {
    expect(() => new OrderGenerator({ runId: 'has space', keys: 1 })).toThrow(/runId/);
    expect(() => new OrderGenerator({ runId: 'r', keys: 0 })).toThrow(/keys/);
    expect(() => new OrderGenerator({ runId: 'r', keys: 1, events: -1 })).toThrow(/events/);
  });
});
