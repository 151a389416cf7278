import { type Command, Option } from 'commander';
import {
  DEMO_DASHBOARD_PORT,
  DEMO_DEFAULTS,
  type DemoOptions,
  integerArgument,
} from './demo-options.js';
import { renderSummary } from './demo-summary.js';

/**
 * Registers `redstream demo` (what `pnpm demo` runs): Redis, the producer in generator mode
 * and C consumer replicas as child processes, live progress on stderr, a report on stdout.
 * Exit code 0 only when every published event was handled exactly once (and in order per
 * key under `--ordering key`).
 *
 * The runner (and through it the demo workload, the Redis launchers and the services) loads
 * only when the demo runs: a problem there must not break the admin commands.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run the end-to-end demo: the producer and C consumer replicas on Redis, with a report that proves single delivery and per-key order',
    )
    .addOption(
      new Option('--events <n>', 'events to publish')
        .argParser(integerArgument(1, 100_000_000))
        .default(DEMO_DEFAULTS.events),
    )
    .addOption(
      new Option('--keys <k>', 'distinct order ids (the event keys)')
        .argParser(integerArgument(1, 10_000_000))
        .default(DEMO_DEFAULTS.keys),
    )
    .addOption(
      new Option('--consumers <c>', 'consumer replicas (child processes)')
        .argParser(integerArgument(1, 64))
        .default(DEMO_DEFAULTS.consumers),
    )
    .addOption(
      new Option('--partitions <p>', 'partitions of the orders topic')
        .argParser(integerArgument(1, 4096))
        .default(DEMO_DEFAULTS.partitions),
    )
    .addOption(
      new Option(
        '--ordering <mode>',
        'key: one owner per partition, per-key order; none: replicas share every partition',
      )
        .choices(['key', 'none'])
        .default(DEMO_DEFAULTS.ordering),
    )
    .addOption(
      new Option('--kill <n>', 'SIGKILL n replicas at random moments; each is replaced')
        .argParser(integerArgument(0, 1000))
        .default(DEMO_DEFAULTS.kill),
    )
    .option('--cluster', 'a local 3-master Redis Cluster (or the one in REDIS_CLUSTER_NODES)')
    .option('--json', 'print the report as one JSON object, the last line of stdout')
    .addOption(
      new Option(
        '--dashboard [port]',
        `serve the live dashboard during the run and print its URL (default port ${DEMO_DASHBOARD_PORT}; 0 picks a free one); read-only, the report is the same`,
      ).argParser(integerArgument(0, 65535)),
    )
    .addHelpText(
      'after',
      `
Redis: REDIS_URL (REDIS_CLUSTER_NODES with --cluster) when set, and its data is left there;
otherwise a private redis-server (or cluster) is started and stopped at the end.
Topic orders, group order-workers; each run has its own run id and reports only its events.
--dashboard: watch partitions move to new owners with new epochs and lag rise and drain
(try it with --kill 2 --events 200000 for a longer run).
Docs: docs/demo.md`,
    )
    .action(async (flags: Record<string, unknown>) => {
      const options: DemoOptions = {
        events: flags.events as number,
        keys: flags.keys as number,
        consumers: flags.consumers as number,
        partitions: flags.partitions as number,
        ordering: flags.ordering as DemoOptions['ordering'],
        kill: flags.kill as number,
        cluster: flags.cluster === true,
        json: flags.json === true,
        dashboardPort:
          flags.dashboard === undefined
            ? undefined
            : flags.dashboard === true
              ? DEMO_DASHBOARD_PORT
              : (flags.dashboard as number),
      };
      // Ctrl-C stops the run; the demo then stops its processes and its Redis before exiting.
      const interrupt = new AbortController();
      const onSignal = () => interrupt.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const { runDemo } = await import('./demo-runner.js');
        const summary = await runDemo(options, {
          stderr: process.stderr,
          stderrIsTTY: process.stderr.isTTY === true,
          env: process.env,
          signal: interrupt.signal,
        });
        process.stdout.write(
          options.json ? `${JSON.stringify(summary)}\n` : renderSummary(summary),
        );
        process.exitCode = summary.ok ? 0 : 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
