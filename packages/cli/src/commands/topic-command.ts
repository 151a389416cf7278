import type { RetentionPolicy } from '@redstream/stream-client';
import type { Command } from 'commander';
import { addCommonOptions, type CliContext, type CommonFlags } from '../cli-context.js';
import { parseDuration } from '../input/duration.js';
import { parseInteger } from '../input/numbers.js';
import { entryIdTime, formatTimestamp } from '../output/format.js';
import { formatRetention, retentionJson } from '../output/retention.js';
import { renderFields, renderTable } from '../output/table.js';

interface CreateFlags extends CommonFlags {
  partitions: string;
  maxLen?: string;
  maxAge?: string;
  safe?: boolean;
}

export function registerTopicCommand(program: Command, context: CliContext): void {
  const topic = program
    .command('topic')
    .description('create or describe one topic')
    .addHelpText(
      'after',
      `
Examples:
  $ redstream topic create orders --partitions 8 --max-age 7d --safe
  $ redstream topic describe orders`,
    );

  addCommonOptions(
    topic
      .command('create')
      .argument('<name>', 'topic name (A-Z a-z 0-9 . _ -)')
      .description(
        'create a topic, or check an existing one (a different partition count is an error); retention flags replace the stored retention',
      )
      .requiredOption('--partitions <n>', 'number of partitions (1-4096)')
      .option('--max-len <n>', 'retention: keep about this many entries per partition')
      .option('--max-age <duration>', 'retention: keep entries younger than this (e.g. 7d, 12h)')
      .option('--safe', 'retention: never trim entries a group has not acked'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ redstream topic create orders --partitions 8
  $ redstream topic create audit --partitions 4 --max-len 1000000 --safe`,
    )
    .action((name: string, flags: CreateFlags) => {
      const partitions = parseInteger(flags.partitions, '--partitions', 1);
      const retention = retentionFromFlags(flags);
      return context.withClient(flags, async (client) => {
        const existed = (await client.topics.getTopic(name, { fresh: true })) !== undefined;
        const info = await client.ensureTopic(name, {
          partitions,
          ...(retention ? { retention } : {}),
        });
        if (flags.json) {
          context.json({
            name: info.name,
            partitions: info.partitions,
            retention: retentionJson(info.retention),
            createdAt: info.createdAt,
            created: !existed,
          });
          return;
        }
        context.out(
          existed
            ? `topic ${info.name} exists: ${info.partitions} partitions, retention ${formatRetention(info.retention)}${retention ? ' (updated)' : ''}\n`
            : `created topic ${info.name}: ${info.partitions} partitions, retention ${formatRetention(info.retention)}\n`,
        );
      });
    });

  addCommonOptions(
    topic
      .command('describe')
      .argument('<name>', 'topic name')
      .description('partitions, retention, groups, length and dead letters of a topic'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ redstream topic describe orders
  $ redstream topic describe orders --json`,
    )
    .action((name: string, flags: CommonFlags) =>
      context.withClient(flags, async (client) => {
        const description = await client.admin.describeTopic(name);
        if (flags.json) {
          context.json({
            name: description.name,
            partitions: description.partitions,
            retention: retentionJson(description.retention),
            createdAt: description.createdAt,
            groups: description.groups,
            totalLength: description.totalLength,
            totalDeadLetters: description.totalDeadLetters,
            partitionDetails: description.partitionDetails.map((row) => ({
              partition: row.partition,
              length: row.length,
              firstId: row.firstId,
              lastId: row.lastId,
              deadLetters: row.deadLetters,
            })),
          });
          return;
        }
        context.out(
          renderFields([
            ['topic', description.name],
            ['partitions', description.partitions],
            ['retention', formatRetention(description.retention)],
            ['created', formatTimestamp(description.createdAt)],
            ['groups', description.groups.join(', ')],
            ['length', description.totalLength],
            ['dead letters', description.totalDeadLetters],
          ]),
        );
        context.out('\n');
        context.out(
          renderTable(description.partitionDetails, [
            { header: 'PARTITION', value: (row) => row.partition },
            { header: 'LENGTH', value: (row) => row.length },
            { header: 'FIRST ID', value: (row) => row.firstId },
            { header: 'LAST ID', value: (row) => row.lastId },
            { header: 'OLDEST', value: (row) => formatTimestamp(entryIdTime(row.firstId)) },
            { header: 'NEWEST', value: (row) => formatTimestamp(entryIdTime(row.lastId)) },
            { header: 'DEAD LETTERS', value: (row) => row.deadLetters },
          ]),
        );
      }),
    );
}

function retentionFromFlags(flags: CreateFlags): RetentionPolicy | undefined {
  if (flags.maxLen === undefined && flags.maxAge === undefined && !flags.safe) return undefined;
  return {
    ...(flags.maxLen !== undefined ? { maxLen: parseInteger(flags.maxLen, '--max-len', 1) } : {}),
    ...(flags.maxAge !== undefined ? { maxAgeMs: parseDuration(flags.maxAge, '--max-age') } : {}),
    ...(flags.safe ? { safe: true } : {}),
  };
}
