import { describe, expect, it } from 'vitest';
import {
  median,
  medianRecord,
  percentile,
  percentileOfSorted,
  ratio,
  round,
  summarizeLatencies,
} from './stats.js';

describe('median', () => {
  it('takes the middle of an odd count and the mean of the two middles of an even count', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('is NaN for no samples and leaves its input unsorted', () => {
    expect(median([])).toBeNaN();
    const samples = [3, 1, 2];
    median(samples);
    expect(samples).toEqual([3, 1, 2]);
  });
});

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('returns the smallest sample with at least p percent at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 99)).toBe(40);
  });

  it('sorts numerically, not as strings', () => {
    expect(percentile([100, 9, 20], 50)).toBe(20);
  });

  it('rejects a percentile outside 0..100 and is NaN for no samples', () => {
    expect(() => percentileOfSorted([1], 101)).toThrow(RangeError);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summarizeLatencies', () => {
  it('gives count, p50, p99 and max', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => (i + 1) / 10);
    expect(summarizeLatencies(samples)).toEqual({ count: 1000, p50Ms: 50, p99Ms: 99, maxMs: 100 });
  });

  it('is NaN but well-formed for no samples', () => {
    const summary = summarizeLatencies([]);
    expect(summary.count).toBe(0);
    expect(summary.p99Ms).toBeNaN();
    expect(summary.maxMs).toBeNaN();
  });
});

describe('ratio and round', () => {
  it('divides, and is NaN when a side is missing or the divisor is zero', () => {
    expect(ratio(8, 10)).toBe(0.8);
    expect(ratio(null, 10)).toBeNaN();
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(1, Number.NaN)).toBeNaN();
  });

  it('rounds to the given decimals', () => {
    expect(round(1.23456, 2)).toBe(1.23);
    expect(round(1234.5)).toBe(1235);
  });
});

describe('medianRecord', () => {
  it('takes the median per key, a missing key counting as 0', () => {
    expect(medianRecord([{ a: 1, b: 4 }, { a: 3 }, { a: 2, b: 6 }])).toEqual({ a: 2, b: 4 });
    expect(medianRecord([])).toEqual({});
  });
});
