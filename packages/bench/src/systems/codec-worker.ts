import { performance } from 'node:perf_hooks';
import { createCodec } from '@redstream/codec';
import { sampleOrderEvent } from '@redstream/codec/sample-order-event';
import type { CodecCase, CodecTask } from '../runner/protocol.js';
import { runWorker } from './worker-harness.js';

/**
 * Encode+decode of the codec's ~1 KB nested sample event: redstream JSON, redstream
 * MessagePack, and plain JSON.stringify + JSON.parse of the same payload. Cases run
 * interleaved, one sample per case and round, after a warm-up.
 */
runWorker('codec', {
  async codec(task: CodecTask, control) {
    const event = sampleOrderEvent(7);
    const json = createCodec({ contentType: 'json' });
    const msgpack = createCodec({ contentType: 'msgpack' });
    let sink: unknown;
    const cases: Array<{ name: string; run: () => void; payloadBytes: number }> = [
      {
        name: 'plain-json',
        run: () => {
          sink = JSON.parse(JSON.stringify(event.payload));
        },
        payloadBytes: Buffer.byteLength(JSON.stringify(event.payload)),
      },
      {
        name: 'redstream-json',
        run: () => {
          sink = json.decode(json.encode(event).fields);
        },
        payloadBytes: payloadBytesOf(json.encode(event).fields),
      },
      {
        name: 'redstream-msgpack',
        run: () => {
          sink = msgpack.decode(msgpack.encode(event).fields);
        },
        payloadBytes: payloadBytesOf(msgpack.encode(event).fields),
      },
    ];
    const samples = new Map(cases.map((c) => [c.name, [] as number[]]));
    for (const c of cases) time(c.run, task.iterations);
    for (let round = 0; round < task.rounds; round++) {
      for (const c of cases) samples.get(c.name)!.push(time(c.run, task.iterations));
    }
    if (sink === undefined) throw new Error('codec cases produced nothing');
    const result: CodecCase[] = cases.map((c) => ({
      name: c.name,
      nsPerOp: samples.get(c.name)!,
      payloadBytes: c.payloadBytes,
    }));
    return { role: 'codec', cases: result, peakRssMb: control.peakRssMb() };
  },
});

/** Nanoseconds per call of `fn`, over `iterations` calls. */
function time(fn: () => void, iterations: number): number {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return ((performance.now() - start) * 1e6) / iterations;
}

function payloadBytesOf(fields: ReadonlyArray<string | Buffer>): number {
  const index = fields.indexOf('p');
  const value = fields[index + 1];
  return value === undefined ? 0 : Buffer.byteLength(value);
}
