import { CodecError, createCodec } from '@redstream/codec';
import { describe, expect, it } from 'vitest';
import { createOrderRegistry, statusForSeq } from './order-events.js';

const payload = {
  runId: 'run-1',
  orderId: 'order-1',
  seq: 2,
  status: 'paid',
  amount: 100,
  items: [{ sku: 'A', qty: 1, unitPrice: 100 }],
};

describe('order event schemas', () => {
  const codec = createCodec({ registry: createOrderRegistry() });

  it('cycles the status with the seq', () => {
    expect([1, 2, 3, 4, 5, 8, 9].map(statusForSeq)).toEqual([
      'created',
      'paid',
      'shipped',
      'delivered',
      'created',
      'delivered',
      'created',
    ]);
  });

  it('accepts a valid event and names the path of a violation', () => {
    expect(() => codec.encode({ type: 'order.paid', key: 'order-1', payload })).not.toThrow();
    const bad = () =>
      codec.encode({
        type: 'order.paid',
        key: 'order-1',
        payload: { ...payload, items: [{ sku: 'A', qty: 0, unitPrice: 1 }] },
      });
    expect(bad).toThrow(CodecError);
    expect(bad).toThrow(/items\[0\]\.qty/);
  });

  it('ties the status to the event type', () => {
    expect(() => codec.encode({ type: 'order.shipped', key: 'order-1', payload })).toThrow(
      /status/,
    );
  });

  it('rejects unknown types', () => {
    expect(() => codec.encode({ type: 'order.lost', payload })).toThrow(
      expect.objectContaining({ code: 'CODEC_UNKNOWN_TYPE' }),
    );
  });
});
