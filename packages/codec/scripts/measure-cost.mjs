// Measures the codec's encode+decode of sampleOrderEvent() against plain JSON.stringify +
// JSON.parse of the same payload. Run after a build: `pnpm --filter @redstream/codec build &&
// node packages/codec/scripts/measure-cost.mjs`. The benchmark (`pnpm bench`, scenario codec)
// measures the same thing formally; this is the quick local check.
import { createCodec } from '../dist/index.js';
import { sampleOrderEvent } from '../dist/sample-order-event.js';

const event = sampleOrderEvent(7);
const json = createCodec({ contentType: 'json' });
const msgpack = createCodec({ contentType: 'msgpack' });
const asBuffers = (fields) => fields.map((f) => (typeof f === 'string' ? Buffer.from(f) : f));
const jsonFields = asBuffers(json.encode(event).fields);
const msgpackFields = asBuffers(msgpack.encode(event).fields);

let sink;
const cases = {
  'plain JSON.stringify+JSON.parse': () => {
    sink = JSON.parse(JSON.stringify(event.payload));
  },
  // The whole event (type, key, headers, payload) as one JSON document: what a hand-rolled
  // JSON envelope would cost. The payload-only pair above is the stricter baseline.
  'plain JSON of the whole event': () => {
    sink = JSON.parse(JSON.stringify(event));
  },
  'codec json encode+decode': () => {
    sink = json.decode(json.encode(event).fields);
  },
  'codec json encode': () => {
    sink = json.encode(event);
  },
  'codec json decode (Buffer fields)': () => {
    sink = json.decode(jsonFields);
  },
  'codec msgpack encode+decode': () => {
    sink = msgpack.decode(msgpack.encode(event).fields);
  },
  'codec msgpack encode': () => {
    sink = msgpack.encode(event);
  },
  'codec msgpack decode (Buffer fields)': () => {
    sink = msgpack.decode(msgpackFields);
  },
};

// CPU time of this process, not wall time: on a shared machine other processes take the CPU
// away in the middle of a batch, which wall time would count against whichever case was running.
function nsPerOp(fn, iterations) {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) fn();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / iterations;
}

const rounds = Number(process.argv[2] ?? 7);
const iterations = Number(process.argv[3] ?? 100_000);
const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (const fn of Object.values(cases)) nsPerOp(fn, iterations / 2); // warm-up
// Interleaved rounds, median per case: drift and GC pauses hit every case alike.
for (let round = 0; round < rounds; round++) {
  for (const [name, fn] of Object.entries(cases)) samples[name].push(nsPerOp(fn, iterations));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const best = (xs) => Math.min(...xs);
const plainMedian = median(samples['plain JSON.stringify+JSON.parse']);
const plainBest = best(samples['plain JSON.stringify+JSON.parse']);
console.log(
  `payload: ${JSON.stringify(event.payload).length} bytes as JSON; ${rounds} rounds x ${iterations}`,
);
console.log(
  `${''.padEnd(38)} ${'median'.padStart(10)} ${'ratio'.padStart(6)} ${'best'.padStart(10)} ${'ratio'.padStart(6)}`,
);
for (const [name, xs] of Object.entries(samples)) {
  const m = median(xs);
  const b = best(xs);
  console.log(
    `${name.padEnd(38)} ${(m / 1000).toFixed(2).padStart(7)} us ${(m / plainMedian).toFixed(2).padStart(5)}x ${(b / 1000).toFixed(2).padStart(7)} us ${(b / plainBest).toFixed(2).padStart(5)}x`,
  );
}
if (sink === undefined) console.log('');
