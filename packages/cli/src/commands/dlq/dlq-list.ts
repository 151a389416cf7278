import type { Command } from 'commander';
import { addCommonOptions, type CliContext } from '../../cli-context.js';
import { renderDeadLetterTable } from '../../output/dead-letter-table.js';
import { deadLetterJson } from '../../output/json-shapes.js';
import { addDlqQueryOptions, type DlqQueryFlags, dlqQuery } from './dlq-query.js';

const DEFAULT_COUNT = 100;

export function registerDlqList(dlq: Command, context: CliContext): void {
  addCommonOptions(
    addDlqQueryOptions(
      dlq
        .command('list')
        .argument('<topic>', 'topic name')
        .description(`list dead letters, oldest first (default: the first ${DEFAULT_COUNT})`),
      { count: true },
    ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ redstream dlq list orders
  $ redstream dlq list orders --filter reason=max-deliveries --filter type=order.paid
  $ redstream dlq list orders --group billing --partition 3 --json`,
    )
    .action((topic: string, flags: DlqQueryFlags) => {
      const query = dlqQuery(flags, DEFAULT_COUNT);
      return context.withClient(flags, async (client) => {
        const deadLetters = await client.admin.listDeadLetters(topic, query);
        if (flags.json) {
          context.json({ topic, deadLetters: deadLetters.map(deadLetterJson) });
          return;
        }
        if (deadLetters.length === 0) {
          context.out(`no dead letters in ${topic} match\n`);
          return;
        }
        context.out(renderDeadLetterTable(deadLetters));
        if (deadLetters.length === query.count)
          context.note(`showing the first ${query.count}; more may match (raise --count)`);
      });
    });
}
