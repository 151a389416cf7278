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

/**
 * Event number `sequence` of a run; keys cycle through `distinctKeys` order ids. With
 * `payloadBytes`, the note is padded so the payload's JSON is about that long (payload rows).
 */
export function benchEvent(
  sequence: number,
  distinctKeys = 1000,
  sentAt = 0,
  payloadBytes?: number,
): BenchEvent {
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
      note: payloadBytes === undefined ? NOTE : paddedNote(payloadBytes),
    },
  };
}

const paddedNotes = new Map<number, string>();

/**
 * The note that makes an event's payload JSON about `payloadBytes` long (never shorter than the
 * plain note): computed once per size, so padding costs nothing per event.
 */
export function paddedNote(payloadBytes: number): string {
  let note = paddedNotes.get(payloadBytes);
  if (note === undefined) {
    const plain = JSON.stringify(benchEvent(0).payload).length;
    note = NOTE + '.'.repeat(Math.max(0, payloadBytes - plain));
    paddedNotes.set(payloadBytes, note);
  }
  return note;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** What every handler does with the payload, whichever system delivered it. */
export function touchPayload(payload: BenchPayload): number {
  return payload.sequence + payload.items.length;
}
