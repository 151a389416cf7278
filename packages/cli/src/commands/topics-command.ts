import type { Command } from 'commander';
import { addCommonOptions, type CliContext, type CommonFlags } from '../cli-context.js';
import { formatTimestamp } from '../output/format.js';
import { formatRetention, retentionJson } from '../output/retention.js';
import { renderTable } from '../output/table.js';

export function registerTopicsCommand(program: Command, context: CliContext): void {
  addCommonOptions(
    program
      .command('topics')
      .description('list topics with their partitions, length, dead letters and groups'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ redstream topics
  $ redstream topics --json | jq '.topics[].name'`,
    )
    .action((flags: CommonFlags) =>
      context.withClient(flags, async (client) => {
        const names = await client.admin.listTopics();
        const topics = await Promise.all(names.map((name) => client.admin.describeTopic(name)));
        if (flags.json) {
          context.json({
            topics: topics.map((topic) => ({
              name: topic.name,
              partitions: topic.partitions,
              retention: retentionJson(topic.retention),
              createdAt: topic.createdAt,
              groups: topic.groups,
              totalLength: topic.totalLength,
              totalDeadLetters: topic.totalDeadLetters,
            })),
          });
          return;
        }
        if (topics.length === 0) {
          context.out('no topics (create one with `redstream topic create NAME --partitions N`)\n');
          return;
        }
        context.out(
          renderTable(topics, [
            { header: 'TOPIC', value: (t) => t.name },
            { header: 'PARTITIONS', value: (t) => t.partitions },
            { header: 'LENGTH', value: (t) => t.totalLength },
            { header: 'DEAD LETTERS', value: (t) => t.totalDeadLetters },
            { header: 'GROUPS', value: (t) => t.groups.join(',') },
            { header: 'RETENTION', value: (t) => formatRetention(t.retention) },
            { header: 'CREATED', value: (t) => formatTimestamp(t.createdAt) },
          ]),
        );
      }),
    );
}
