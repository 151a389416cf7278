import { describe, expect, it } from 'vitest';
import { parseIngestBody } from './ingest-body.js';
import { IngestError } from './ingest-error.js';

const event = { type: 'order.created', key: 'order-1', payload: { a: 1 } };

function refusal(body: unknown, max = 10): IngestError {
  try {
    parseIngestBody(body, max);
  } catch (error) {
    if (error instanceof IngestError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseIngestBody', () => {
  it('takes one event, an array, or { events }', () => {
    expect(parseIngestBody(event, 10)).toEqual({ events: [event], batch: false });
    expect(parseIngestBody([event, event], 10)).toEqual({ events: [event, event], batch: true });
    expect(parseIngestBody({ events: [event] }, 10)).toEqual({ events: [event], batch: true });
  });

  it('refuses bodies that are not events, naming the path', () => {
    expect(refusal(42)).toMatchObject({ statusCode: 400, reason: 'invalid-body' });
    expect(refusal([])).toMatchObject({ statusCode: 400, reason: 'invalid-body' });
    expect(refusal({ payload: {} })).toMatchObject({
      statusCode: 400,
      reason: 'invalid-event',
      details: { path: 'type' },
    });
    expect(refusal([event, { ...event, key: 7 }])).toMatchObject({
      statusCode: 400,
      reason: 'invalid-event',
      details: { index: 1, path: 'events[1].key' },
    });
    expect(refusal([event, 'x'])).toMatchObject({ details: { index: 1, path: 'events[1]' } });
    expect(refusal({ ...event, headers: { traceparent: 1 } })).toMatchObject({
      details: { path: 'headers.traceparent' },
    });
    expect(refusal({ ...event, extra: true })).toMatchObject({ details: { path: 'extra' } });
    expect(refusal({ type: 'order.created', key: 'k' })).toMatchObject({
      details: { path: 'payload' },
    });
  });

  it('refuses batches over the limit with 413', () => {
    expect(refusal([event, event, event], 2)).toMatchObject({
      statusCode: 413,
      reason: 'too-many-events',
    });
  });
});
