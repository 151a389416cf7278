import type { EventInput } from './event-types.js';

/** The payload of `sampleOrderEvent()`: a realistic nested order of about 1 KB as JSON. */
export interface SampleOrder {
  orderId: string;
  sequence: number;
  placedAt: string;
  customer: {
    id: string;
    name: string;
    email: string;
    tier: 'bronze' | 'silver' | 'gold';
    address: { street: string; city: string; postcode: string; country: string };
  };
  items: Array<{ sku: string; title: string; qty: number; unitPrice: number; tags: string[] }>;
  totals: { subtotal: number; shipping: number; tax: number; grandTotal: number; currency: string };
  payment: { method: string; brand: string; last4: string; authorized: boolean; attempts: number };
  shipping: { carrier: string; service: string; estimatedDays: number; giftWrap: boolean };
  flags: { firstOrder: boolean; newsletter: boolean; fraudScore: number };
  notes: string;
}

/**
 * A ~1 KB nested event (JSON.stringify of its payload is about 1,050 bytes) with only JSON-native
 * values: the fixture of the benchmark's codec row, so the codec's JSON path is compared with
 * plain JSON.stringify/JSON.parse of the very same object. `sequence` varies the order id.
 */
export function sampleOrderEvent(sequence = 1): EventInput<SampleOrder> & { key: string } {
  const orderId = `ord_01HZX3M4Q8W2${String(sequence).padStart(6, '0')}`;
  return {
    type: 'order.created',
    key: orderId,
    headers: {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'correlation-id': 'c0ffee00-1234-4a5b-9c8d-0123456789ab',
    },
    payload: {
      orderId,
      sequence,
      placedAt: '2025-05-01T12:34:56.789Z',
      customer: {
        id: 'cus_829301',
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        tier: 'gold',
        address: {
          street: '12 Analytical Engine Way',
          city: 'London',
          postcode: 'NW1 6XE',
          country: 'GB',
        },
      },
      items: [
        {
          sku: 'BK-0001',
          title: 'Notes on the Analytical Engine',
          qty: 1,
          unitPrice: 2499,
          tags: ['book', 'history'],
        },
        {
          sku: 'PN-0042',
          title: 'Fountain pen, fine nib',
          qty: 2,
          unitPrice: 1850,
          tags: ['stationery'],
        },
        {
          sku: 'NB-0007',
          title: 'Squared notebook A5',
          qty: 3,
          unitPrice: 650,
          tags: ['stationery', 'paper'],
        },
      ],
      totals: { subtotal: 8149, shipping: 495, tax: 1630, grandTotal: 10274, currency: 'GBP' },
      payment: { method: 'card', brand: 'visa', last4: '4242', authorized: true, attempts: 1 },
      shipping: { carrier: 'royal-mail', service: 'tracked-48', estimatedDays: 2, giftWrap: false },
      flags: { firstOrder: false, newsletter: true, fraudScore: 0.07 },
      notes: 'Please leave the parcel with the concierge if nobody answers the door.',
    },
  };
}
