import type { Command } from 'commander';
import { addCommonOptions, type CliContext, type CommonFlags } from '../cli-context.js';
import { InvalidInputError } from '../cli-error.js';
import { collectPartitions, parseInteger } from '../input/numbers.js';
import { parseStreamPosition, type StreamPosition } from '../input/stream-position.js';
import { entryIdTime, formatTimestamp, truncate } from '../output/format.js';
import { formatJsonLine, toJsonData } from '../output/json-output.js';
import { eventJson } from '../output/json-shapes.js';
import { type TailedEntry, tailTopic } from '../tail/topic-tailer.js';

interface TailFlags extends CommonFlags {
  from?: string;
  key?: string;
  type?: string;
  count?: string;
  partition?: number[];
}

export function registerTailCommand(program: Command, context: CliContext): void {
  addCommonOptions(
    program
      .command('tail')
      .argument('<topic>', 'topic name')
      .description(
        'print decoded events as they arrive (reads the streams directly: no group is created)',
      )
      .option(
        '--from <position>',
        'start at: end (default), beginning, an entry id, a time (ISO, epoch ms) or a duration ago (15m)',
      )
      .option('--key <key>', 'only events with this key')
      .option('--type <type>', 'only events of this type')
      .option(
        '--partition <p>',
        'only these partitions (repeat or comma-separate)',
        collectPartitions,
      )
      .option('--count <n>', 'stop after printing this many events'),
  )
    .addHelpText(
      'after',
      `
Output: one line per event (time, partition, entry id, type, key, payload), or with --json
one JSON object per line (NDJSON). Runs until Ctrl-C unless --count is given.

Examples:
  $ redstream tail orders
  $ redstream tail orders --from 15m --key order-42
  $ redstream tail orders --from beginning --type order.paid --count 10 --json`,
    )
    .action((topic: string, flags: TailFlags) => {
      const from: StreamPosition = flags.from
        ? parseStreamPosition(flags.from, context.io.now())
        : { kind: 'end' };
      const limit = flags.count !== undefined ? parseInteger(flags.count, '--count', 1) : undefined;
      return context.withClient(flags, async (client) => {
        const info = await client.topics.requireTopic(topic);
        const all = Array.from({ length: info.partitions }, (_, p) => p);
        const partitions = flags.partition ?? all;
        const outside = partitions.filter((p) => p >= info.partitions);
        if (outside.length > 0)
          throw new InvalidInputError(
            '--partition',
            `partitions 0-${info.partitions - 1} of ${topic}`,
            outside.join(','),
          );
        const matches = (entry: TailedEntry) =>
          (flags.key === undefined || entry.event?.key === flags.key) &&
          (flags.type === undefined || entry.event?.type === flags.type);
        let printed = 0;
        for await (const batch of tailTopic(client, topic, partitions, from, context.io.signal)) {
          for (const entry of batch) {
            if (!matches(entry)) continue;
            context.out(flags.json ? formatJsonLine(tailJson(topic, entry)) : tailLine(entry));
            printed++;
            if (limit !== undefined && printed >= limit) return;
          }
        }
      });
    });
}

function tailJson(topic: string, entry: TailedEntry) {
  return {
    topic,
    partition: entry.partition,
    entryId: entry.entryId,
    targetGroup: entry.targetGroup ?? null,
    event: entry.event ? eventJson(entry.event) : null,
    decodeError: entry.decodeError ?? null,
  };
}

function tailLine(entry: TailedEntry): string {
  const head = `${formatTimestamp(entryIdTime(entry.entryId))}  p${entry.partition}  ${entry.entryId}`;
  const target = entry.targetGroup ? `  (for group ${entry.targetGroup})` : '';
  if (!entry.event)
    return `${head}  <undecodable: ${truncate(entry.decodeError ?? '', 200)}>${target}\n`;
  const { event } = entry;
  const headers =
    Object.keys(event.headers).length > 0 ? `  headers=${JSON.stringify(event.headers)}` : '';
  return `${head}  ${event.type}  key=${event.key ?? '-'}  ${JSON.stringify(toJsonData(event.payload))}${headers}${target}\n`;
}
