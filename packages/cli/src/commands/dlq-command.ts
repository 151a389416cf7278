import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { registerDlqList } from './dlq/dlq-list.js';
import { registerDlqPurge } from './dlq/dlq-purge.js';
import { registerDlqRedrive } from './dlq/dlq-redrive.js';
import { registerDlqShow } from './dlq/dlq-show.js';

export function registerDlqCommand(program: Command, context: CliContext): void {
  const dlq = program
    .command('dlq')
    .description('dead letters: list, show, redrive, purge')
    .addHelpText(
      'after',
      `
Filters (--filter, repeatable or comma-separated; all must hold):
  reason=max-deliveries   reason is one of decode-failed, schema-violation, non-retriable, max-deliveries
  type=order.paid  key=order-42  group=billing  consumer=c1  partition=3
  error~timeout           error message contains "timeout"; != negates

Examples:
  $ redstream dlq list orders --filter reason=max-deliveries
  $ redstream dlq show orders 1714564800000-0
  $ redstream dlq redrive orders --filter type=order.paid --rate 100 --dry-run
  $ redstream dlq purge orders --filter reason=decode-failed --yes`,
    );
  registerDlqList(dlq, context);
  registerDlqShow(dlq, context);
  registerDlqRedrive(dlq, context);
  registerDlqPurge(dlq, context);
}
