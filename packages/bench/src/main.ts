import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { benchPlan, type ScenarioName, SHARED_SETTINGS } from './bench-plan.js';
import { startBenchRedis } from './bench-redis.js';
import { type CliOptions, parseCliArgs, USAGE, UsageError } from './cli-args.js';
import { Progress } from './progress.js';
import type { BenchRow } from './report/bench-row.js';
import {
  type BenchReport,
  currentLoad,
  machineFacts,
  serializeReport,
} from './report/json-report.js';
import { plotsFor } from './report/plots.js';
import { addThroughputRatios, checkTargets } from './report/targets.js';
import { formatTable, formatTargets } from './report/text-table.js';
import type { BenchContext } from './scenarios/bench-context.js';
import { clusterScenario } from './scenarios/cluster.js';
import { codecScenario } from './scenarios/codec.js';
import { consumeKeyScenario, consumeNoneScenario } from './scenarios/consume.js';
import { ingestHttpScenario } from './scenarios/ingest-http.js';
import { latencyScenario } from './scenarios/latency.js';
import { partitionsScenario } from './scenarios/partitions.js';
import { payloadScenario } from './scenarios/payload.js';
import { produceScenario } from './scenarios/produce.js';
import { replicasScenario } from './scenarios/replicas.js';
import { scaleScenario } from './scenarios/scale.js';

const SCENARIO_RUNNERS: Record<ScenarioName, (context: BenchContext) => Promise<BenchRow[]>> = {
  produce: produceScenario,
  'consume-none': consumeNoneScenario,
  'consume-key': consumeKeyScenario,
  scale: scaleScenario,
  latency: latencyScenario,
  codec: codecScenario,
  'ingest-http': ingestHttpScenario,
  partitions: partitionsScenario,
  replicas: replicasScenario,
  payload: payloadScenario,
  cluster: clusterScenario,
};

async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    // pnpm may hand over a lone `--` before the script's own arguments.
    options = parseCliArgs(argv[0] === '--' ? argv.slice(1) : argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const plan = benchPlan(options.quick, {
    ...(options.events !== undefined ? { events: options.events } : {}),
    ...(options.rounds !== undefined ? { rounds: options.rounds } : {}),
  });
  const profileDir = options.profileDir ? resolve(options.profileDir) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const plotsDir = options.plotsDir ? resolve(options.plotsDir) : undefined;

  const progress = new Progress();
  const startedAt = new Date();
  const loadAtStart = currentLoad();
  progress.log(`redstream bench (${plan.mode}): ${options.scenarios.join(', ')}`);
  const redis = await startBenchRedis();
  const stopOnSignal = () => {
    void redis.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  progress.log(`Redis ${redis.version} (${redis.source}) on port ${redis.port}, persistence off`);

  const rows: BenchRow[] = [];
  const context: BenchContext = { redis, plan, progress, profileDir };
  try {
    for (const scenario of options.scenarios) {
      progress.log(`-- ${scenario}`);
      rows.push(...(await SCENARIO_RUNNERS[scenario](context)));
    }
  } finally {
    await redis.stop();
  }
  addThroughputRatios(rows);
  const targets = checkTargets(rows);
  progress.log(`done in ${(progress.elapsedMs / 1000).toFixed(0)} s`);

  const machine = machineFacts(loadAtStart);
  const load = `load average ${machine.loadAverage.start.toFixed(1)} at start, ${machine.loadAverage.end.toFixed(1)} at end`;
  process.stdout.write(
    `\nredstream bench (${plan.mode}), Redis ${redis.version}, ${machine.cores} cores, Node ${process.version}, ${load}\n\n${formatTable(rows)}\n\nTargets (ratios of medians in this run):\n${formatTargets(targets)}\n`,
  );
  if (options.out) {
    const report: BenchReport = {
      redis: { version: redis.version, source: redis.source },
      machine,
      mode: plan.mode,
      startedAt: startedAt.toISOString(),
      durationMs: progress.elapsedMs,
      settings: { ...SHARED_SETTINGS, plan },
      rows,
      targets,
    };
    writeFileSync(resolve(options.out), serializeReport(report));
    progress.log(`wrote ${resolve(options.out)}`);
  }
  if (plotsDir) {
    const plots = plotsFor(rows);
    mkdirSync(plotsDir, { recursive: true });
    for (const plot of plots) writeFileSync(join(plotsDir, plot.file), plot.svg);
    progress.log(
      plots.length > 0
        ? `wrote ${plots.length} plots to ${plotsDir}: ${plots.map((plot) => plot.file).join(', ')}`
        : 'no plots: none of the scenarios run (partitions, replicas, payload, cluster) has one',
    );
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
