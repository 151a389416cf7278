import type { ReplayPlan, StreamClient } from '@redstream/stream-client';
import type { Command } from 'commander';
import { addCommonOptions, type CliContext, type CommonFlags } from '../cli-context.js';
import { InvalidInputError, NotConfirmedError } from '../cli-error.js';
import { parseTimeInput } from '../input/time-input.js';
import { entryIdTime, formatTimestamp } from '../output/format.js';

interface ReplayFlags extends CommonFlags {
  group: string;
  from: string;
  to?: string;
  yes?: boolean;
  dryRun?: boolean;
}

export function registerReplayCommand(program: Command, context: CliContext): void {
  addCommonOptions(
    program
      .command('replay')
      .argument('<topic>', 'topic name')
      .description(
        'make a group (existing or new) read again everything appended since a time, or only a time range',
      )
      .requiredOption('--group <name>', 'consumer group (created when it does not exist)')
      .requiredOption('--from <time>', 'ISO date, epoch ms, or a duration ago (15m, 2h, 7d)')
      .option('--to <time>', 'only up to this time: copies the range, the group keeps its position')
      .option('-y, --yes', 'do not ask; required when stdin is not a terminal')
      .option('--dry-run', 'show how many entries would be re-read; change nothing'),
  )
    .addHelpText(
      'after',
      `
Without --to the group is moved back to --from (XGROUP SETID) and re-reads everything after
it. With --to the entries of the range are appended again, marked for this group only: other
groups and the group's own position are untouched. Either way the prompt shows how many
entries will be re-read.

Examples:
  $ redstream replay orders --group billing --from 2h
  $ redstream replay orders --group billing --from 2024-05-01T00:00:00Z --to 2024-05-01T06:00:00Z --yes
  $ redstream replay orders --group audit-rebuild --from 0 --dry-run`,
    )
    .action((topic: string, flags: ReplayFlags) => {
      const now = context.io.now();
      const from = parseTimeInput(flags.from, now, '--from');
      const to = flags.to !== undefined ? parseTimeInput(flags.to, now, '--to') : undefined;
      if (from > now)
        throw new InvalidInputError('--from', 'a time in the past', new Date(from).toISOString());
      if (to !== undefined && to < from)
        throw new InvalidInputError(
          '--to',
          `a time at or after --from (${formatTimestamp(from)})`,
          flags.to!,
        );
      const mode: 'rewind' | 'copy' = to === undefined ? 'rewind' : 'copy';
      return context.withClient(flags, async (client) => {
        const range = { from, ...(to !== undefined ? { to } : {}) };
        const plan = await client.admin.planReplay(topic, range);
        const existing = (await client.admin.listGroups(topic)).includes(flags.group);
        const movesForward =
          mode === 'rewind' && existing
            ? await partitionsBehind(client, topic, flags.group, from)
            : [];
        const summary = {
          topic,
          group: flags.group,
          mode,
          from,
          to: to ?? null,
          perPartition: plan.perPartition,
          total: plan.total,
          groupExists: existing,
          movesForward,
          dryRun: flags.dryRun ?? false,
        };
        // The plan is the result of a dry run and the context of the prompt. In --json mode
        // stdout is for the JSON document, so a person being asked sees it on stderr.
        if (!flags.json) context.out(describePlan(summary, plan));
        else if (!flags.yes && !flags.dryRun) context.note(describePlan(summary, plan).trimEnd());
        if (flags.dryRun) {
          if (flags.json) context.json({ ...summary, replayed: false });
          return;
        }
        const confirmed = await context.confirm(
          `Replay ${plan.total} entries of ${topic} for group ${flags.group}?`,
          { yes: flags.yes ?? false, action: 'replay' },
        );
        if (!confirmed) throw new NotConfirmedError('not confirmed: nothing was changed');
        const progress = context.progress(flags, 'replay');
        await client.admin.replay(topic, flags.group, {
          ...range,
          onProgress: (done, total) => progress.update(done, total),
        });
        progress.finish();
        if (flags.json) context.json({ ...summary, replayed: true });
        else
          context.out(
            mode === 'rewind'
              ? `group ${flags.group} moved back to ${formatTimestamp(from)}: it will re-read ${plan.total} entries\n`
              : `appended ${plan.total} entries again for group ${flags.group}\n`,
          );
      });
    });
}

interface PlanSummary {
  topic: string;
  group: string;
  mode: 'rewind' | 'copy';
  from: number;
  to: number | null;
  groupExists: boolean;
  movesForward: number[];
}

/** What the replay will do, in words. */
function describePlan(summary: PlanSummary, plan: ReplayPlan): string {
  const range =
    summary.to === null
      ? `since ${formatTimestamp(summary.from)}`
      : `from ${formatTimestamp(summary.from)} to ${formatTimestamp(summary.to)}`;
  const perPartition = plan.perPartition.map((count, p) => `p${p}: ${count}`).join(', ');
  const lines = [
    `replay ${summary.topic} for group ${summary.group} (${summary.groupExists ? 'existing group' : 'new group, created by the replay'}): ${plan.total} entries appended ${range} will be re-read [${perPartition}]`,
    summary.mode === 'rewind'
      ? `mode: rewind (the group's position moves back to ${formatTimestamp(summary.from)}; other groups are untouched)`
      : 'mode: copy (the range is appended again for this group only; positions are untouched)',
  ];
  if (summary.movesForward.length > 0)
    lines.push(
      `warning: on partitions ${summary.movesForward.join(', ')} the group has not yet read up to --from: rewinding moves it forward and it will skip the unread entries before ${formatTimestamp(summary.from)}`,
    );
  return `${lines.join('\n')}\n`;
}

/** Partitions where the group has undelivered entries older than `from`, which a rewind would skip. */
async function partitionsBehind(
  client: StreamClient,
  topic: string,
  group: string,
  from: number,
): Promise<number[]> {
  const lag = await client.admin.groupLag(topic, group);
  const behind = await Promise.all(
    lag.partitions.map(async (row) => {
      if (row.lag === 0) return false;
      const [next] = await client.redis.xrange(
        client.keys.partitionStream(topic, row.partition),
        `(${row.lastDeliveredId}`,
        '+',
        'COUNT',
        1,
      );
      return next !== undefined && (entryIdTime(next[0]) ?? 0) < from;
    }),
  );
  return lag.partitions.filter((_, i) => behind[i]).map((row) => row.partition);
}
