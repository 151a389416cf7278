import { performance } from 'node:perf_hooks';

/**
 * The payload every system carries: about 200 bytes as JSON, so the systems move the same data.
 * `sentAt` is the publish time (ms, sub-ms precision, comparable across processes) for the
 * latency scenario; the throughput scenarios leave it 0.
 */
export interface BenchPayload {
  orderId: string;
  sequence: number;
  sentAt: number;
  customerId: string;
  amount: number;
  currency: string;
  items: Array<{ sku: string; qty: number }>;
  note: string;
}

export interface BenchEvent {
  type: string;
  key: string;
  payload: BenchPayload;
}

export const EVENT_TYPE = 'order.created';
const NOTE = 'leave at the door';

/** Event number `sequence` of a run; keys cycle through `distinctKeys` order ids. */
export function benchEvent(sequence: number, distinctKeys = 1000, sentAt = 0): BenchEvent {
  const orderId = `ord-${String(sequence % distinctKeys).padStart(6, '0')}`;
  return {
    type: EVENT_TYPE,
    key: orderId,
    payload: {
      orderId,
      sequence,
      sentAt,
      customerId: `cus-${String(sequence % 7919).padStart(6, '0')}`,
      amount: 1000 + (sequence % 9000),
      currency: 'EUR',
      items: [
        { sku: 'BK-0001', qty: 1 + (sequence % 3) },
        { sku: 'PN-0042', qty: 2 },
      ],
      note: NOTE,
    },
  };
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** What every handler does with the payload, whichever system delivered it. */
export function touchPayload(payload: BenchPayload): number {
  return payload.sequence + payload.items.length;
}
