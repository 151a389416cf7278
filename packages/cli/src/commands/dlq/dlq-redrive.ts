import type { Command } from 'commander';
import { addCommonOptions, type CliContext } from '../../cli-context.js';
import { parseNonNegativeNumber } from '../../input/numbers.js';
import { renderDeadLetterTable } from '../../output/dead-letter-table.js';
import { addDlqQueryOptions, type DlqQueryFlags, dlqQuery } from './dlq-query.js';

interface RedriveFlags extends DlqQueryFlags {
  rate?: string;
  dryRun?: boolean;
  allGroups?: boolean;
}

export function registerDlqRedrive(dlq: Command, context: CliContext): void {
  addCommonOptions(
    addDlqQueryOptions(
      dlq
        .command('redrive')
        .argument('<topic>', 'topic name')
        .description(
          'move dead letters back to their partition stream, to be handled again by the group that dead-lettered them',
        ),
      { count: true },
    )
      .option('--rate <n>', 'at most this many events per second (default: unlimited)')
      .option('--dry-run', 'show what would move; move nothing')
      .option('--all-groups', 'deliver to every group of the topic, not only the failed one'),
  )
    .addHelpText(
      'after',
      `
Each dead letter is appended to its partition with its original bytes and removed from the
dead-letter stream in one atomic step. Without --filter/--group/--count every dead letter of
the topic moves.

Examples:
  $ redstream dlq redrive orders --dry-run
  $ redstream dlq redrive orders --filter reason=max-deliveries --rate 50
  $ redstream dlq redrive orders --filter type=order.paid,key=order-42 --json`,
    )
    .action((topic: string, flags: RedriveFlags) => {
      const query = dlqQuery(flags);
      const rate =
        flags.rate !== undefined ? parseNonNegativeNumber(flags.rate, '--rate') : undefined;
      return context.withClient(flags, async (client) => {
        const progress = context.progress(flags, 'redrive');
        const result = await client.admin.redriveDeadLetters(topic, {
          ...query,
          dryRun: flags.dryRun ?? false,
          allGroups: flags.allGroups ?? false,
          ...(rate ? { ratePerSecond: rate } : {}),
          onProgress: (done, total) => progress.update(done, total),
        });
        progress.finish();
        if (flags.json) {
          context.json({
            topic,
            dryRun: flags.dryRun ?? false,
            selected: result.selected.length,
            moved: result.moved,
            skipped: result.skipped,
            deadLetters: result.selected.map((d) => ({
              partition: d.partition,
              id: d.id,
              originId: d.originId,
              reason: d.reason,
              group: d.group,
              type: d.event?.type ?? null,
              key: d.event?.key ?? null,
            })),
          });
          return;
        }
        if (result.selected.length === 0) {
          context.out(`no dead letters in ${topic} match; nothing to redrive\n`);
          return;
        }
        if (flags.dryRun) {
          context.out(renderDeadLetterTable(result.selected));
          context.out(
            `dry run: would redrive ${result.selected.length} dead letters of ${topic} (nothing moved)\n`,
          );
          return;
        }
        const skipped = result.skipped > 0 ? ` (${result.skipped} skipped: already gone)` : '';
        context.out(`redrove ${result.moved} dead letters of ${topic}${skipped}\n`);
      });
    });
}
