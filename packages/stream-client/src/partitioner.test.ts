import { describe, expect, it } from 'vitest';
import { murmur2, partitionFor } from './partitioner.js';

describe('murmur2 (Kafka compatible)', () => {
  // Vectors from Kafka's UtilsTest and librdkafka.
  const vectors: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
    ['1', -1993445489],
    ['12', 126087238],
    ['123', -267702483],
    ['1234', -1614185708],
    ['12345', -1188365604],
  ];
  for (const [input, expected] of vectors) {
    it(`hashes ${JSON.stringify(input)} like Kafka`, () => {
      expect(murmur2(Buffer.from(input))).toBe(expected);
    });
  }
});

describe('partitionFor', () => {
  it('is stable for a key and independent of the event id', () => {
    expect(partitionFor('order-42', 'a', 8)).toBe(partitionFor('order-42', 'b', 8));
  });

  it('places keyless events by event id, spreading them over all partitions', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionFor(null, `event-${i}`, 8)]++;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  it('matches Kafka partition numbers for known keys', () => {
    // toPositive(-973932308) % 10 = (0x7fffffff & -973932308) % 10
    expect(partitionFor('21', 'x', 10)).toBe((-973932308 & 0x7fffffff) % 10);
  });
});
