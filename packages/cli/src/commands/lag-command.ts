import type { GroupLag, StreamClient } from '@redstream/stream-client';
import type { Command } from 'commander';
import { abortableSleep } from '../abortable-sleep.js';
import { addCommonOptions, type CliContext, type CommonFlags } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { parseDuration } from '../input/duration.js';
import { parseInteger, parseNonNegativeNumber } from '../input/numbers.js';
import { formatDurationMs, formatTimestamp } from '../output/format.js';
import { formatJsonLine } from '../output/json-output.js';
import { groupLagJson } from '../output/json-shapes.js';
import { renderLagTable } from '../output/lag-table.js';

/** Exit code when the lag is over --max-lag-seconds: distinct from errors (1) for alerting. */
export const LAG_BREACH_EXIT_CODE = 2;

interface LagFlags extends CommonFlags {
  group: string;
  watch?: boolean;
  interval?: string;
  maxLagSeconds?: string;
  iterations?: string;
}

export function registerLagCommand(program: Command, context: CliContext): void {
  addCommonOptions(
    program
      .command('lag')
      .argument('<topic>', 'topic name')
      .description(
        'lag of one group per partition with totals; exits 2 when the lag age exceeds --max-lag-seconds',
      )
      .requiredOption('--group <name>', 'consumer group')
      .option('--max-lag-seconds <s>', 'exit with code 2 when the oldest unfinished entry is older')
      .option('--watch', 'refresh until Ctrl-C')
      .option('--interval <duration>', 'refresh interval with --watch (default: 2s)')
      .option('--iterations <n>', 'with --watch, stop after this many refreshes'),
  )
    .addHelpText(
      'after',
      `
Exit codes: 0 within the limit (or no limit), 2 over --max-lag-seconds, 1 on errors.
With --watch the exit code reflects the last refresh; --json then prints one JSON object
per line (NDJSON).

Examples:
  $ redstream lag orders --group billing
  $ redstream lag orders --group billing --max-lag-seconds 60 || page-oncall
  $ redstream lag orders --group billing --watch --interval 5s`,
    )
    .action((topic: string, flags: LagFlags) => {
      const threshold =
        flags.maxLagSeconds !== undefined
          ? parseNonNegativeNumber(flags.maxLagSeconds, '--max-lag-seconds')
          : undefined;
      const intervalMs = flags.interval
        ? parseDuration(flags.interval, '--interval', { bareUnit: 's' })
        : 2000;
      const iterations = flags.iterations
        ? parseInteger(flags.iterations, '--iterations', 1)
        : undefined;
      return context.withClient(flags, async (client) => {
        for (let refresh = 1; ; refresh++) {
          const lag = await requireGroupLag(client, topic, flags.group);
          const breached = threshold !== undefined && lag.totals.maxLagSeconds > threshold;
          context.exitCode = breached ? LAG_BREACH_EXIT_CODE : 0;
          printLag(context, lag, {
            threshold,
            breached,
            watch: flags.watch ?? false,
            json: flags.json ?? false,
          });
          const done =
            !flags.watch ||
            (iterations !== undefined && refresh >= iterations) ||
            context.io.signal.aborted;
          if (done) return;
          await abortableSleep(intervalMs, context.io.signal);
          if (context.io.signal.aborted) return;
        }
      });
    });
}

async function requireGroupLag(
  client: StreamClient,
  topic: string,
  group: string,
): Promise<GroupLag> {
  const lag = await client.admin.groupLag(topic, group);
  if (lag.partitions.length > 0) return lag;
  const groups = await client.admin.listGroups(topic);
  throw new CliError(
    'CLI_GROUP_NOT_FOUND',
    `group ${group} does not read topic ${topic} (${groups.length > 0 ? `its groups: ${groups.join(', ')}` : 'it has no groups yet'})`,
  );
}

interface LagView {
  threshold: number | undefined;
  breached: boolean;
  watch: boolean;
  json: boolean;
}

function printLag(context: CliContext, lag: GroupLag, view: LagView): void {
  const now = context.io.now();
  const json = {
    ...groupLagJson(lag),
    threshold: { maxLagSeconds: view.threshold ?? null, breached: view.breached },
  };
  if (view.json) {
    if (view.watch) context.out(formatJsonLine({ at: now, ...json }));
    else context.json(json);
    return;
  }
  if (view.watch) {
    // On a terminal each refresh replaces the last; piped, refreshes append.
    if (context.io.stdoutIsTTY) context.out('\x1b[2J\x1b[H');
    context.out(
      `${formatTimestamp(now)}  topic ${lag.topic}  group ${lag.group}  (Ctrl-C to stop)\n`,
    );
  }
  context.out(renderLagTable(lag, { totals: true }));
  if (view.threshold !== undefined) {
    const age = formatDurationMs(lag.totals.maxLagSeconds * 1000);
    context.out(
      view.breached
        ? `BREACH: lag age ${age} exceeds --max-lag-seconds ${view.threshold}\n`
        : `ok: lag age ${age} is within --max-lag-seconds ${view.threshold}\n`,
    );
  }
  if (view.watch) context.out('\n');
}
