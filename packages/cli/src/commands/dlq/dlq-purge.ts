import type { Command } from 'commander';
import { addCommonOptions, type CliContext } from '../../cli-context.js';
import { NotConfirmedError } from '../../cli-error.js';
import { addDlqQueryOptions, type DlqQueryFlags, dlqQuery, selectsAll } from './dlq-query.js';

interface PurgeFlags extends DlqQueryFlags {
  yes?: boolean;
}

export function registerDlqPurge(dlq: Command, context: CliContext): void {
  addCommonOptions(
    addDlqQueryOptions(
      dlq
        .command('purge')
        .argument('<topic>', 'topic name')
        .description('delete dead letters for good (asks first unless --yes)'),
      { count: false },
    ).option('-y, --yes', 'do not ask; required when stdin is not a terminal'),
  )
    .addHelpText(
      'after',
      `
Without --filter/--group/--partition every dead letter of the topic is deleted.

Examples:
  $ redstream dlq purge orders --filter reason=decode-failed
  $ redstream dlq purge orders --partition 2 --yes`,
    )
    .action((topic: string, flags: PurgeFlags) => {
      const query = dlqQuery(flags);
      return context.withClient(flags, async (client) => {
        const count = selectsAll(flags)
          ? (await client.admin.describeTopic(topic)).partitionDetails
              .filter((row) => !flags.partition || flags.partition.includes(row.partition))
              .reduce((sum, row) => sum + row.deadLetters, 0)
          : (
              await client.admin.listDeadLetters(topic, {
                ...query,
                count: Number.MAX_SAFE_INTEGER,
              })
            ).length;
        if (count === 0) {
          if (flags.json) context.json({ topic, deleted: 0 });
          else context.out(`no dead letters in ${topic} match; nothing to purge\n`);
          return;
        }
        const scope = selectsAll(flags)
          ? flags.partition
            ? `on partitions ${flags.partition.join(', ')}`
            : '(all of them)'
          : 'matching the selection';
        const confirmed = await context.confirm(
          `Delete ${count} dead letters of ${topic} ${scope}? This cannot be undone.`,
          { yes: flags.yes ?? false, action: 'purge dead letters' },
        );
        if (!confirmed) throw new NotConfirmedError('not confirmed: nothing was deleted');
        const deleted = await client.admin.purgeDeadLetters(topic, query);
        if (flags.json) context.json({ topic, deleted });
        else context.out(`purged ${deleted} dead letters of ${topic}\n`);
      });
    });
}
