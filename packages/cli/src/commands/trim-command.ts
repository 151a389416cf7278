import { type PartitionTrim, TopicNotFoundError } from '@redstream/stream-client';
import { type Command, Option } from 'commander';
import { addCommonOptions, type CliContext, type CommonFlags } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { parseDuration } from '../input/duration.js';
import { parseInteger } from '../input/numbers.js';
import { renderTable } from '../output/table.js';

interface TrimFlags extends CommonFlags {
  safe?: boolean;
  maxlen?: string;
  maxLen?: string;
  olderThan?: string;
}

export function registerTrimCommand(program: Command, context: CliContext): void {
  addCommonOptions(
    program
      .command('trim')
      .argument('<topic>', 'topic name')
      .description('remove old entries from every partition and print what was removed')
      .option('--safe', 'never remove an entry some group has not received and acked')
      .option('--no-safe', "ignore the topic's safe retention for this trim")
      .option('--maxlen <n>', 'keep at most this many entries per partition')
      .addOption(new Option('--max-len <n>').hideHelp())
      .option('--older-than <duration>', 'remove entries older than this (e.g. 7d, 12h)'),
  )
    .addHelpText(
      'after',
      `
Without --maxlen or --older-than the topic's retention is the bound (topic create --max-len /
--max-age); a topic without one is refused. --safe lowers the trim so entries some group has
not received and acked stay; it never trims by itself. Without --safe or --no-safe the topic's
retention decides (topic create --safe).

Examples:
  $ redstream trim orders --safe
  $ redstream trim orders --maxlen 100000 --safe
  $ redstream trim orders --older-than 7d --json`,
    )
    .action((topic: string, flags: TrimFlags) => {
      const maxLenText = flags.maxlen ?? flags.maxLen;
      // At least 1: --maxlen 0 would empty every partition.
      const maxLen = maxLenText !== undefined ? parseInteger(maxLenText, '--maxlen', 1) : undefined;
      const olderThanMs =
        flags.olderThan !== undefined ? parseDuration(flags.olderThan, '--older-than') : undefined;
      return context.withClient(flags, async (client) => {
        const info = await client.topics.getTopic(topic, { fresh: true });
        if (!info) throw new TopicNotFoundError(topic);
        const safe = flags.safe ?? info.retention.safe ?? false;
        // Without a bound the topic's retention is one (the library's default too, resolved
        // here so the output can say which bound was used); never "everything acked".
        const fromRetention = maxLen === undefined && olderThanMs === undefined;
        const bound = fromRetention
          ? { maxLen: info.retention.maxLen, olderThanMs: info.retention.maxAgeMs }
          : { maxLen, olderThanMs };
        if (bound.maxLen === undefined && bound.olderThanMs === undefined)
          throw new CliError(
            'CLI_TRIM_NOTHING',
            `topic ${topic} has no retention to trim to: pass --maxlen N and/or --older-than DURATION`,
          );
        const progress = context.progress(flags, 'trim');
        // The library trims all partitions in one call: the bar shows start and end only.
        progress.update(0, info.partitions);
        const partitions = await client.admin.trim(topic, {
          safe,
          ...(bound.maxLen !== undefined ? { maxLen: bound.maxLen } : {}),
          ...(bound.olderThanMs !== undefined ? { olderThanMs: bound.olderThanMs } : {}),
        });
        progress.update(info.partitions, info.partitions);
        progress.finish();
        const totals = sumTrims(partitions);
        if (flags.json) {
          context.json({
            topic,
            safe,
            maxLen: bound.maxLen ?? null,
            olderThanMs: bound.olderThanMs ?? null,
            fromRetention,
            partitions: partitions.map((row) => ({
              partition: row.partition,
              before: row.before,
              after: row.after,
              removed: row.removed,
              safeBound: row.safeBound,
            })),
            totals,
          });
          return;
        }
        context.out(
          renderTable(partitions, [
            { header: 'PARTITION', value: (row) => row.partition },
            { header: 'BEFORE', value: (row) => row.before },
            { header: 'AFTER', value: (row) => row.after },
            { header: 'REMOVED', value: (row) => row.removed },
            { header: 'SAFE BOUND', value: (row) => row.safeBound },
          ]),
        );
        context.out(
          `removed ${totals.removed} entries from ${topic} (${totals.before} -> ${totals.after})${fromRetention ? `; by the topic's retention (${describeBound(bound)})` : ''}${safe ? '; safe: entries not yet acked by every group were kept' : ''}\n`,
        );
      });
    });
}

function sumTrims(partitions: readonly PartitionTrim[]) {
  return {
    before: partitions.reduce((sum, row) => sum + row.before, 0),
    after: partitions.reduce((sum, row) => sum + row.after, 0),
    removed: partitions.reduce((sum, row) => sum + row.removed, 0),
  };
}

function describeBound(bound: { maxLen?: number | undefined; olderThanMs?: number | undefined }) {
  return [
    bound.maxLen !== undefined ? `maxLen ${bound.maxLen}` : undefined,
    bound.olderThanMs !== undefined ? `maxAgeMs ${bound.olderThanMs}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}
