import { randomUUID } from 'node:crypto';
import type { BenchEvent, BenchPayload } from '../bench-event.js';

/** Stream of partition `partition` of a raw topic (hand-written layout, no library). */
export function rawStream(topic: string, partition: number): string {
  return `raw:${topic}:${partition}`;
}

export function rawStagedStream(topic: string, partition: number): string {
  return `raw:${topic}:staged:${partition}`;
}

/**
 * The fields a hand-written producer writes: the same nine names as a redstream entry (v, id,
 * type, key, sv, ct, h, ts, p), with a random UUID as event id and the payload as JSON text.
 */
export function rawFields(event: BenchEvent): string[] {
  return [
    'v',
    '1',
    'id',
    randomUUID(),
    'type',
    event.type,
    'key',
    event.key,
    'sv',
    '1',
    'ct',
    'json',
    'h',
    '',
    'ts',
    String(Date.now()),
    'p',
    JSON.stringify(event.payload),
  ];
}

/** The payload of a raw entry read as Buffers: finds the `p` field and parses its JSON. */
export function rawPayload(fields: Buffer[]): BenchPayload {
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name.length === 1 && name[0] === 0x70) return JSON.parse(fields[i + 1]!.toString('utf8'));
  }
  throw new Error('raw entry without a p field');
}
