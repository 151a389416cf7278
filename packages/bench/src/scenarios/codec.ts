import type { BenchRow } from '../report/bench-row.js';
import type { CodecResult } from '../runner/protocol.js';
import { WorkerProcess } from '../runner/worker-process.js';
import { median } from '../stats.js';
import type { BenchContext } from './bench-context.js';

/**
 * codec: encode+decode per second of the codec's ~1 KB nested sample event, JSON and
 * MessagePack, beside JSON.stringify + JSON.parse of the same payload; one process, cases
 * interleaved per round.
 */
export async function codecScenario(context: BenchContext): Promise<BenchRow[]> {
  const { rounds, iterations } = context.plan.codec;
  const worker = WorkerProcess.start(
    'codec',
    { role: 'codec', rounds, iterations },
    { label: 'codec', profileDir: context.profileDir },
  );
  const result = await worker.result<CodecResult>(300_000);
  await worker.exit();
  const plain = result.cases.find((c) => c.name === 'plain-json');
  const plainNs = plain ? median(plain.nsPerOp) : Number.NaN;
  return result.cases.map((c) => {
    const nsPerOp = median(c.nsPerOp);
    context.progress.log(
      `codec ${c.name}: ${(nsPerOp / 1000).toFixed(2)} us per encode+decode (${(nsPerOp / plainNs).toFixed(2)}x plain JSON)`,
    );
    return {
      scenario: 'codec',
      system: c.name,
      events: rounds * iterations,
      eventsPerSec: 1e9 / nsPerOp,
      p50Ms: null,
      p99Ms: null,
      peakRssMb: null,
      rounds,
      samples: c.nsPerOp.map((ns) => 1e9 / ns),
      nsPerOp,
      payloadBytes: c.payloadBytes,
      ratios: { 'cost vs plain-json': nsPerOp / plainNs },
    };
  });
}
