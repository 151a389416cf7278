import { formatRate } from '../progress.js';
import type { BenchRow } from '../report/bench-row.js';
import { runConsumeRound } from '../runner/consume-run.js';
import type { BenchContext } from './bench-context.js';
import { CONSUME_KEY, CONSUME_NONE, consumeRow, noteText } from './consume.js';
import { runInterleaved } from './interleave.js';

type ScaleVariant = `${'none' | 'key'} x${number}`;

/**
 * scale: redstream consume-none and consume-key with 1, 2 and 4 consumer processes sharing
 * the same N events. On a 2-core machine that also runs Redis, more processes cannot add CPU:
 * the factor shows the coordination cost, not headroom.
 */
export async function scaleScenario(context: BenchContext): Promise<BenchRow[]> {
  const { events, rounds, consumers } = context.plan.scale;
  const variants: ScaleVariant[] = [];
  for (const ordering of ['none', 'key'] as const)
    for (const count of consumers) variants.push(`${ordering} x${count}`);

  const samples = await runInterleaved(variants, rounds, async (variant, round) => {
    const [ordering, times] = variant.split(' ') as ['none' | 'key', string];
    const config = ordering === 'none' ? CONSUME_NONE : CONSUME_KEY;
    const outcome = await runConsumeRound(context, {
      system: 'redstream',
      ordering,
      partitions: config.partitions,
      consumers: Number(times.slice(1)),
      events,
      maxInFlight: config.maxInFlight,
      label: `scale ${variant}`,
    });
    context.progress.log(
      `scale round ${round}/${rounds} ${variant}: ${formatRate(outcome.eventsPerSec)} events/s${noteText(outcome)}`,
    );
    return outcome;
  });

  const rows = variants.map((variant) => {
    const [ordering, times] = variant.split(' ') as ['none' | 'key', string];
    return consumeRow('scale', 'redstream', events, samples.get(variant)!, {
      ordering,
      consumers: Number(times.slice(1)),
      variant: `${ordering}, ${times.slice(1)} consumer${times === 'x1' ? '' : 's'}`,
    });
  });
  for (const row of rows) {
    const single = rows.find((r) => r.ordering === row.ordering && r.consumers === 1);
    if (single?.eventsPerSec && row.eventsPerSec)
      row.scalingFactor = row.eventsPerSec / single.eventsPerSec;
  }
  return rows;
}
