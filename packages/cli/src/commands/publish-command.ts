import type { Command } from 'commander';
import { addCommonOptions, type CliContext, type CommonFlags } from '../cli-context.js';
import { parseHeaders, readEventData } from '../input/event-data.js';
import { collectStrings } from '../input/numbers.js';

interface PublishFlags extends CommonFlags {
  type: string;
  key?: string;
  data: string;
  header?: string[];
  id?: string;
}

export function registerPublishCommand(program: Command, context: CliContext): void {
  addCommonOptions(
    program
      .command('publish')
      .argument('<topic>', 'topic name')
      .description('publish one event (its key picks the partition)')
      .requiredOption('--type <type>', 'event type, e.g. order.created')
      .requiredOption('--data <json>', 'payload: JSON text, @file.json, or @- for stdin')
      .option('--key <key>', 'partition key (default: none, spread over partitions)')
      .option('--header <name=value>', 'event header (repeatable)', collectStrings)
      .option(
        '--id <id>',
        'event id (idempotency key): publishing the same id again within 5 minutes appends nothing',
      ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ redstream publish orders --type order.created --key order-42 --data '{"amount":10}'
  $ redstream publish orders --type order.created --key order-42 --data @order.json --header traceparent=00-abc-def-01
  $ echo '{"amount":10}' | redstream publish orders --type order.created --data @-`,
    )
    .action(async (topic: string, flags: PublishFlags) => {
      const headers = parseHeaders(flags.header ?? []);
      const payload = await readEventData(flags.data, context.io.cwd, context.io.stdin);
      return context.withClient(flags, async (client) => {
        const result = await client.producer().publish(topic, {
          type: flags.type,
          payload,
          ...(flags.key !== undefined ? { key: flags.key } : {}),
          ...(flags.id !== undefined ? { id: flags.id } : {}),
          ...(Object.keys(headers).length > 0 ? { headers } : {}),
        });
        if (flags.json) {
          context.json({
            topic,
            eventId: result.eventId,
            entryId: result.entryId,
            partition: result.partition,
            duplicate: result.duplicate,
          });
          return;
        }
        context.out(
          result.duplicate
            ? `event ${result.eventId} was already published to ${topic} (partition ${result.partition}); nothing appended\n`
            : `published ${result.eventId} to ${topic} partition ${result.partition} as ${result.entryId}\n`,
        );
      });
    });
}
