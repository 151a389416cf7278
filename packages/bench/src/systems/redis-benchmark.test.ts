import { describe, expect, it } from 'vitest';
import { parseRedisBenchmarkCsv } from './redis-benchmark.js';

describe('parseRedisBenchmarkCsv', () => {
  it('reads the rps column even when the test name holds JSON quotes', () => {
    const output = [
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"',
      '"XADD rb:s * v 1 p {"orderId":"ord-000123","items":[{"sku":"BK-0001","qty":2}]}","111482.72","1.126","0.208","0.367","4.287","10.551","13.839"',
      '',
    ].join('\n');
    expect(parseRedisBenchmarkCsv(output)).toBe(111482.72);
  });

  it('says what it got when there is no result line', () => {
    expect(() => parseRedisBenchmarkCsv('ERROR: connection refused')).toThrow(
      /no result line:\nERROR: connection refused/,
    );
  });
});
