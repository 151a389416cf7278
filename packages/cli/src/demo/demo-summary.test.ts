import type { DemoCounters } from '@redstream/orders-demo';
import { describe, expect, it } from 'vitest';
import { DEMO_DEFAULTS, type DemoOptions } from './demo-options.js';
import { renderSummary, type SummaryInput, summarize } from './demo-summary.js';

function input(counters: Partial<DemoCounters>, options: Partial<DemoOptions> = {}): SummaryInput {
  return {
    options: { ...DEMO_DEFAULTS, events: 100, consumers: 2, ...options },
    runId: 'run-1',
    topic: 'orders',
    group: 'order-workers',
    published: 100,
    counters: {
      runId: 'run-1',
      topic: 'orders',
      partitions: 8,
      handled: 100,
      duplicates: 0,
      orderViolations: 0,
      redeliveries: 0,
      dedupeHits: 0,
      perConsumer: { 'consumer-1': 60, 'consumer-2': 40 },
      ...counters,
    },
    replicaNames: ['consumer-1', 'consumer-2'],
    kills: [],
    problems: [],
    warnings: [],
    redis: 'redis://127.0.0.1:6379',
    redisOwned: true,
    durationMs: 1234,
  };
}

describe('summarize', () => {
  it('passes when every published event was handled once, in order', () => {
    const summary = summarize(input({ redeliveries: 3, dedupeHits: 1 }));
    expect(summary).toMatchObject({
      ok: true,
      published: 100,
      handled: 100,
      duplicates: 0,
      lost: 0,
      orderViolations: 0,
      redeliveries: 4,
      perConsumer: { 'consumer-1': 60, 'consumer-2': 40 },
      orderViolationsPolicy: 'required-zero',
      failures: [],
    });
    expect(renderSummary(summary)).toContain(
      'PASS: every published event was handled exactly once, in order per key.',
    );
  });

  it('fails on lost events, duplicates and (ordering key) order violations', () => {
    expect(summarize(input({ handled: 97 }))).toMatchObject({ ok: false, lost: 3 });
    expect(summarize(input({ handled: 101, duplicates: 1 }))).toMatchObject({
      ok: false,
      duplicates: 1,
      lost: 0,
    });
    const late = summarize(input({ orderViolations: 2 }));
    expect(late.ok).toBe(false);
    expect(late.failures.join()).toContain('2 order violations under ordering key');
  });

  it('only counts order violations under ordering none, and says so', () => {
    const summary = summarize(input({ orderViolations: 7 }, { ordering: 'none' }));
    expect(summary).toMatchObject({
      ok: true,
      orderViolations: 7,
      orderViolationsPolicy: 'counted-only',
    });
    expect(renderSummary(summary)).toContain('ordering none: counted, not required to be 0');
  });

  it('lists replicas that did nothing and fails on problems of the run', () => {
    const idle = summarize(input({ perConsumer: { 'consumer-1': 100 } }));
    expect(idle.perConsumer).toEqual({ 'consumer-1': 100, 'consumer-2': 0 });
    expect(idle.warnings).toEqual(['replicas that handled nothing: consumer-2']);
    const timedOut = summarize({ ...input({}), problems: ['timed out'] });
    expect(timedOut).toMatchObject({ ok: false, failures: ['timed out'] });
  });
});
