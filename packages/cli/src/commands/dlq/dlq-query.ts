import type { DeadLetterQuery } from '@redstream/stream-client';
import type { Command } from 'commander';
import type { CommonFlags } from '../../cli-context.js';
import { FILTER_FORM, parseDeadLetterFilter } from '../../input/dead-letter-filter.js';
import { collectPartitions, collectStrings, parseInteger } from '../../input/numbers.js';

export interface DlqQueryFlags extends CommonFlags {
  filter?: string[];
  group?: string;
  partition?: number[];
  count?: string;
}

/** The selection flags every `dlq` subcommand shares. */
export function addDlqQueryOptions(command: Command, options: { count: boolean }): Command {
  command
    .option('--filter <expr>', `select by ${FILTER_FORM} (repeatable)`, collectStrings)
    .option('--group <name>', 'only dead letters of this group')
    .option(
      '--partition <p>',
      'only these partitions (repeat or comma-separate)',
      collectPartitions,
    );
  if (options.count) command.option('--count <n>', 'at most this many, oldest first');
  return command;
}

export function dlqQuery(flags: DlqQueryFlags, defaultCount?: number): DeadLetterQuery {
  const filter = parseDeadLetterFilter(flags.filter ?? []);
  const count = flags.count !== undefined ? parseInteger(flags.count, '--count', 1) : defaultCount;
  return {
    ...(filter ? { filter } : {}),
    ...(flags.group !== undefined ? { group: flags.group } : {}),
    ...(flags.partition ? { partitions: flags.partition } : {}),
    ...(count !== undefined ? { count } : {}),
  };
}

/** True when the query selects every dead letter of the selected partitions. */
export function selectsAll(flags: DlqQueryFlags): boolean {
  return (
    (flags.filter ?? []).length === 0 && flags.group === undefined && flags.count === undefined
  );
}
