import { trace } from '@opentelemetry/api';
import { uniqueName, waitFor } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import { loose } from './helpers/loose-options.js';
import { useRedis } from './helpers/redis.js';
import { FAST, MODES } from './helpers/settle-contracts.js';

/**
 * No SDK registered (what a library user gets by default): nothing is recorded, events are
 * written as they were given (no trace headers added, a caller's own traceparent kept), and
 * handlers run as before.
 */
const env = useRedis();

describe.each(MODES)('tracing without an SDK (ordering %s)', (ordering) => {
  it('adds no headers, keeps the caller’s, and runs handlers with no recording span', async () => {
    const client = await env.client();
    const topic = uniqueName('untraced');
    await client.ensureTopic(topic, { partitions: 1 });
    const seen: Array<{ headers: Record<string, string>; recording: boolean | undefined }> = [];
    const subscription = await client.subscribe(
      loose({
        ...FAST[ordering],
        topic,
        group: 'g',
        consumer: 'c-1',
        ordering,
        handler: (event) => {
          seen.push({ headers: event.headers, recording: trace.getActiveSpan()?.isRecording() });
        },
      }),
    );
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await client.producer().publish(topic, { type: 't', payload: 1 });
    await client
      .producer()
      .publishMany(topic, [{ type: 't', payload: 2, headers: { traceparent } }]);
    await waitFor(() => seen.length === 2, { description: 'both events handled' });
    await subscription.close();
    expect(seen.map((s) => s.headers)).toEqual([{}, { traceparent }]);
    // No context manager is registered either: no span is active in the handler at all.
    expect(seen.map((s) => s.recording)).toEqual([undefined, undefined]);
  });
});
