import { Command, CommanderError } from 'commander';
import { CliContext } from './cli-context.js';
import type { CliIo } from './cli-io.js';
import { registerDashboardCommand } from './commands/dashboard-command.js';
import { registerDlqCommand } from './commands/dlq-command.js';
import { registerGroupsCommand } from './commands/groups-command.js';
import { registerLagCommand } from './commands/lag-command.js';
import { registerPublishCommand } from './commands/publish-command.js';
import { registerReplayCommand } from './commands/replay-command.js';
import { registerTailCommand } from './commands/tail-command.js';
import { registerTopicCommand } from './commands/topic-command.js';
import { registerTopicsCommand } from './commands/topics-command.js';
import { registerTrimCommand } from './commands/trim-command.js';
import { registerDemoCommand } from './demo/demo-command.js';
import { firstLine, reportError } from './error-report.js';
import { CLI_VERSION } from './version.js';

/**
 * Builds the `redstream` program writing to `io`. Output, exit handling and errors go through
 * `io` and thrown CommanderErrors instead of process.exit, so tests run it in-process.
 */
export function buildProgram(io: CliIo, context = new CliContext(io)): Command {
  const program = new Command('redstream')
    .description(
      'Admin CLI for redstream: topics, consumer group lag, dead letters, replay, safe trimming.',
    )
    .version(CLI_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Connection: every command takes --url (default $REDIS_URL, else redis://127.0.0.1:6379)
and --cluster-nodes (default $REDIS_CLUSTER_NODES); --json prints stable, documented keys.

Examples:
  $ redstream topics
  $ redstream lag orders --group billing --max-lag-seconds 30
  $ redstream dlq list orders --filter reason=max-deliveries
  $ redstream replay orders --group billing --from 2h --yes
  $ redstream dashboard --topic orders

Docs: docs/cli.md`,
    );
  registerTopicsCommand(program, context);
  registerTopicCommand(program, context);
  registerGroupsCommand(program, context);
  registerLagCommand(program, context);
  registerTailCommand(program, context);
  registerPublishCommand(program, context);
  registerDlqCommand(program, context);
  registerReplayCommand(program, context);
  registerTrimCommand(program, context);
  registerDashboardCommand(program, context);
  registerDemoCommand(program);
  return program;
}

/** Runs the CLI on `argv` (without node and script) and resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const context = new CliContext(io);
  const program = buildProgram(io, context);
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return context.exitCode;
  } catch (error) {
    // Commander already printed its own one-line message (or the help) through writeErr/writeOut.
    if (error instanceof CommanderError) return error.exitCode;
    const report = reportError(error, context.target);
    io.stderr.write(`error: ${firstLine(report.message)}\n`);
    if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return report.exitCode;
  }
}
