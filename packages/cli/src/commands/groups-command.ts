import type { Command } from 'commander';
import { addCommonOptions, type CliContext, type CommonFlags } from '../cli-context.js';
import { groupLagJson } from '../output/json-shapes.js';
import { renderLagTable, summarizeLag } from '../output/lag-table.js';

interface GroupsFlags extends CommonFlags {
  group?: string;
}

export function registerGroupsCommand(program: Command, context: CliContext): void {
  addCommonOptions(
    program
      .command('groups')
      .argument('<topic>', 'topic name')
      .description(
        'consumer groups of a topic, per partition: lag (entries and age), pending, oldest pending, owner@epoch, consumers and idle times',
      )
      .option('--group <name>', 'only this group'),
  )
    .addHelpText(
      'after',
      `
LAG is entries not yet delivered to the group; LAG AGE is the age of the oldest entry the
group has not finished (undelivered or unacked); OWNER is the lease holder and its epoch
(ordering: 'key' groups only).

Examples:
  $ redstream groups orders
  $ redstream groups orders --group billing --json`,
    )
    .action((topic: string, flags: GroupsFlags) =>
      context.withClient(flags, async (client) => {
        const names = flags.group ? [flags.group] : await client.admin.listGroups(topic);
        const lags = await Promise.all(names.map((group) => client.admin.groupLag(topic, group)));
        if (flags.json) {
          context.json({ topic, groups: lags.map(groupLagJson) });
          return;
        }
        if (lags.length === 0) {
          context.out(`topic ${topic} has no consumer groups\n`);
          return;
        }
        context.out(
          lags
            .map((lag) =>
              lag.partitions.length === 0
                ? `group ${lag.group}: reads no partition of ${topic}\n`
                : `group ${lag.group}: ${summarizeLag(lag)}\n${renderLagTable(lag, { totals: false })}`,
            )
            .join('\n'),
        );
      }),
    );
}
