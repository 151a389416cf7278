import type { Command } from 'commander';
import { addCommonOptions, type CliContext, type CommonFlags } from '../../cli-context.js';
import { CliError } from '../../cli-error.js';
import { collectPartitions } from '../../input/numbers.js';
import { formatTimestamp } from '../../output/format.js';
import { formatJson } from '../../output/json-output.js';
import { deadLetterJson, envelopeJson } from '../../output/json-shapes.js';
import { renderFields } from '../../output/table.js';

interface ShowFlags extends CommonFlags {
  partition?: number[];
}

export function registerDlqShow(dlq: Command, context: CliContext): void {
  addCommonOptions(
    dlq
      .command('show')
      .argument('<topic>', 'topic name')
      .argument('<id>', 'dead-letter entry id, or the original entry id')
      .description('one dead letter in full: why it failed, its event and payload')
      .option('--partition <p>', 'the partition, when an id exists in several', collectPartitions),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ redstream dlq show orders 1714564800000-0
  $ redstream dlq show orders 1714564800000-0 --partition 3 --json`,
    )
    .action((topic: string, id: string, flags: ShowFlags) =>
      context.withClient(flags, async (client) => {
        const matches = await client.admin.listDeadLetters(topic, {
          filter: (d) => d.id === id || d.originId === id,
          count: Number.MAX_SAFE_INTEGER,
          ...(flags.partition ? { partitions: flags.partition } : {}),
        });
        if (matches.length === 0)
          throw new CliError('CLI_DEAD_LETTER_NOT_FOUND', `no dead letter ${id} in ${topic}`);
        const partitions = [...new Set(matches.map((d) => d.partition))];
        if (partitions.length > 1)
          throw new CliError(
            'CLI_DEAD_LETTER_AMBIGUOUS',
            `${id} matches dead letters on partitions ${partitions.join(', ')}: add --partition`,
          );
        const deadLetter = matches[0]!;
        if (flags.json) {
          context.json({
            topic,
            ...deadLetterJson(deadLetter),
            envelope: envelopeJson(deadLetter.envelope),
          });
          return;
        }
        const event = deadLetter.event;
        context.out(
          renderFields([
            ['topic', topic],
            ['partition', deadLetter.partition],
            ['id', deadLetter.id],
            ['original id', deadLetter.originId],
            ['failed at', formatTimestamp(deadLetter.failedAt)],
            ['reason', deadLetter.reason],
            ['error', deadLetter.error],
            ['attempts', deadLetter.attempts],
            ['group', deadLetter.group],
            ['consumer', deadLetter.consumer],
            ['event id', event?.id],
            ['type', event?.type ?? '<undecodable>'],
            ['key', event?.key],
            ['produced at', formatTimestamp(event?.timestamp)],
            [
              'headers',
              event && Object.keys(event.headers).length > 0 ? JSON.stringify(event.headers) : null,
            ],
          ]),
        );
        context.out(
          event
            ? `payload:\n${formatJson(event.payload)}`
            : `envelope (raw fields):\n${formatJson(envelopeJson(deadLetter.envelope))}`,
        );
      }),
    );
}
