import { randomBytes } from 'node:crypto';
import { type EventInput, newEventId } from '@redstream/codec';
import {
  eventTypeFor,
  type OrderItem,
  type OrderPayload,
  RUN_ID_PATTERN,
  statusForSeq,
} from './order-events.js';

export interface OrderGeneratorOptions {
  runId: string;
  /** Distinct order ids (event keys). */
  keys: number;
  /** Events to produce in total; undefined or 0 produces forever. */
  events?: number;
  /** Seed of the key interleaving, for reproducible runs. Default: random. */
  seed?: number;
}

export type OrderEvent = EventInput<OrderPayload> & { id: string; key: string };

const CATALOG = [
  { sku: 'BK-0001', unitPrice: 2499 },
  { sku: 'PN-0042', unitPrice: 1850 },
  { sku: 'NB-0007', unitPrice: 650 },
  { sku: 'MG-0110', unitPrice: 1299 },
  { sku: 'LP-0003', unitPrice: 4999 },
] as const;

/**
 * The demo workload: `keys` orders, each moving created -> paid -> shipped -> delivered ->
 * created ... with seq 1, 2, 3, ... The events of one order come out in seq order; orders are
 * interleaved: every round holds the next event of each order, in a shuffled order of orders.
 * Event ids are set here (UUIDv7), so a batch that failed to publish can be sent again with
 * the same ids and the producer deduplicates it.
 */
export class OrderGenerator {
  readonly runId: string;
  readonly keys: number;
  readonly total: number | undefined;
  private readonly orderIds: string[];
  private readonly random: () => number;
  private round: number[] = [];
  private roundIndex = 0;
  private roundNumber = 0;
  private count = 0;

  constructor(options: OrderGeneratorOptions) {
    if (!RUN_ID_PATTERN.test(options.runId))
      throw new RangeError(
        `runId: expected 1-64 characters of A-Z a-z 0-9 _ -, got ${JSON.stringify(options.runId)}`,
      );
    if (!Number.isSafeInteger(options.keys) || options.keys < 1)
      throw new RangeError(`keys: expected a positive integer, got ${String(options.keys)}`);
    if (
      options.events !== undefined &&
      (!Number.isSafeInteger(options.events) || options.events < 0)
    )
      throw new RangeError(
        `events: expected an integer >= 0 (0 = forever), got ${String(options.events)}`,
      );
    this.runId = options.runId;
    this.keys = options.keys;
    this.total = options.events ? options.events : undefined;
    const width = String(options.keys).length;
    this.orderIds = Array.from(
      { length: options.keys },
      (_, i) => `order-${String(i + 1).padStart(width, '0')}`,
    );
    this.random = seededRandom(options.seed ?? randomBytes(4).readUInt32LE(0));
  }

  /** Events produced so far. */
  get produced(): number {
    return this.count;
  }

  get done(): boolean {
    return this.total !== undefined && this.count >= this.total;
  }

  /** The next `max` events (fewer at the end of a finite run), in publish order. */
  take(max: number): OrderEvent[] {
    const batch: OrderEvent[] = [];
    while (batch.length < max && !this.done) {
      if (this.roundIndex >= this.round.length) this.startRound();
      const keyIndex = this.round[this.roundIndex++]!;
      batch.push(this.event(keyIndex, this.roundNumber));
      this.count++;
    }
    return batch;
  }

  private startRound(): void {
    this.roundNumber++;
    this.roundIndex = 0;
    this.round = Array.from({ length: this.keys }, (_, i) => i);
    for (let i = this.round.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [this.round[i], this.round[j]] = [this.round[j]!, this.round[i]!];
    }
  }

  private event(keyIndex: number, seq: number): OrderEvent {
    const orderId = this.orderIds[keyIndex]!;
    const status = statusForSeq(seq);
    const items = itemsFor(keyIndex, seq);
    return {
      id: newEventId(),
      type: eventTypeFor(status),
      key: orderId,
      headers: { traceparent: newTraceparent() },
      payload: {
        runId: this.runId,
        orderId,
        seq,
        status,
        amount: items.reduce((sum, item) => sum + item.qty * item.unitPrice, 0),
        items,
      },
    };
  }
}

/** One to three catalog items, fixed for each lifecycle (4 events) of an order. */
function itemsFor(keyIndex: number, seq: number): OrderItem[] {
  const lifecycle = Math.floor((seq - 1) / 4);
  const count = 1 + ((keyIndex + lifecycle) % 3);
  return Array.from({ length: count }, (_, i) => {
    const product = CATALOG[(keyIndex * 7 + lifecycle + i) % CATALOG.length]!;
    return { sku: product.sku, qty: 1 + ((keyIndex + i) % 3), unitPrice: product.unitPrice };
  });
}

/** A W3C traceparent with a fresh trace id, so each event's log lines can be followed. */
function newTraceparent(): string {
  const bytes = randomBytes(24);
  return `00-${bytes.toString('hex', 0, 16)}-${bytes.toString('hex', 16, 24)}-01`;
}

/** mulberry32: small, fast and good enough to shuffle keys reproducibly. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
