import { parseArgs } from 'node:util';
import { SCENARIOS, type ScenarioName } from './bench-plan.js';

export interface CliOptions {
  quick: boolean;
  out: string | undefined;
  scenarios: ScenarioName[];
  rounds: number | undefined;
  events: number | undefined;
  /** Directory for `--cpu-prof` profiles of the worker processes. */
  profileDir: string | undefined;
  /** Directory for the SVG plots of the scale rows (partitions, replicas, payload, cluster). */
  plotsDir: string | undefined;
  help: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: pnpm bench [--quick] [--out FILE] [--scenario NAME[,NAME...]] [--rounds N]
                  [--events N] [--profile DIR] [--plots DIR]

  --quick          fewer events and rounds (under 3 minutes on 2 cores)
  --out FILE       write the results as JSON
  --scenario NAME  run only these scenarios (repeatable, or comma-separated):
                   ${SCENARIOS.join(', ')}
  --rounds N       rounds per scenario (each round runs every system once, interleaved)
  --events N       events per run of produce, consume-none, consume-key, scale, ingest-http,
                   partitions, payload (at most) and cluster
  --profile DIR    write a CPU profile (node --cpu-prof) of every worker process into DIR
  --plots DIR      write an SVG plot of each scale row group (partitions, replicas, payload,
                   cluster) into DIR
`;

/** Parses `pnpm bench` arguments; throws UsageError naming the bad argument. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const scenarios: ScenarioName[] = [];
  for (const name of (values.scenario ?? []).flatMap((value) => value.split(','))) {
    const trimmed = name.trim();
    if (!(SCENARIOS as readonly string[]).includes(trimmed)) {
      throw new UsageError(
        `--scenario: unknown scenario ${JSON.stringify(trimmed)}; expected one of ${SCENARIOS.join(', ')}`,
      );
    }
    if (!scenarios.includes(trimmed as ScenarioName)) scenarios.push(trimmed as ScenarioName);
  }
  return {
    quick: values.quick ?? false,
    out: values.out,
    scenarios:
      scenarios.length > 0 ? SCENARIOS.filter((s) => scenarios.includes(s)) : [...SCENARIOS],
    rounds: positiveInteger('--rounds', values.rounds),
    events: positiveInteger('--events', values.events),
    profileDir: values.profile,
    plotsDir: values.plots,
    help: values.help ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean' },
      out: { type: 'string' },
      scenario: { type: 'string', multiple: true },
      rounds: { type: 'string' },
      events: { type: 'string' },
      profile: { type: 'string' },
      plots: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new UsageError(`${flag}: expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return parsed;
}
