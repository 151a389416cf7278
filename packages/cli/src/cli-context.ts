import type { StreamClient } from '@redstream/stream-client';
import { type Command, Option } from 'commander';
import type { CliIo } from './cli-io.js';
import { confirm } from './confirm.js';
import {
  type ConnectionFlags,
  type ConnectionTarget,
  connectClient,
  resolveTarget,
} from './connect.js';
import { formatJson } from './output/json-output.js';
import { createProgress, type Progress } from './output/progress-bar.js';

/** The flags every command takes (see `addCommonOptions`). */
export interface CommonFlags extends ConnectionFlags {
  json?: boolean;
  progress?: boolean;
}

/** What a command's action works with: the io, its exit code, Redis, prompts and progress. */
export class CliContext {
  exitCode = 0;
  /** The last Redis target, so errors after connecting can say which server went away. */
  target: ConnectionTarget | undefined;

  constructor(readonly io: CliIo) {}

  out(text: string): void {
    this.io.stdout.write(text);
  }

  json(value: unknown): void {
    this.out(formatJson(value));
  }

  /** A notice for the operator on stderr, so stdout stays parseable. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  async withClient<T>(flags: CommonFlags, run: (client: StreamClient) => Promise<T>): Promise<T> {
    this.target = resolveTarget(flags, this.io.env);
    const client = await connectClient(this.target, this.io, flags.verbose ?? false);
    try {
      return await run(client);
    } finally {
      await client.close().catch(() => {});
    }
  }

  confirm(question: string, options: { yes: boolean; action: string }): Promise<boolean> {
    return confirm(this.io, question, options);
  }

  progress(flags: CommonFlags, label: string): Progress {
    const enabled = flags.progress ?? this.io.stderrIsTTY;
    return createProgress(this.io.stderr, label, { enabled, now: () => this.io.now() });
  }
}

/** Adds the connection, output and diagnostics flags that every command takes. */
export function addCommonOptions(command: Command): Command {
  return command
    .option('--json', 'machine-readable JSON on stdout (documented, stable keys)')
    .option(
      '--url <url>',
      'Redis URL, redis:// or rediss:// (default: $REDIS_URL, else redis://127.0.0.1:6379)',
    )
    .option(
      '--cluster-nodes <nodes>',
      'Redis Cluster startup nodes host:port,host:port (default: $REDIS_CLUSTER_NODES)',
    )
    .option('--connect-timeout <duration>', 'how long to wait for Redis (default: 5s)')
    .addOption(
      new Option('--progress', 'draw progress bars on stderr even when it is not a terminal'),
    )
    .addOption(new Option('--no-progress', 'never draw progress bars'))
    .option('--verbose', 'debug logs and stack traces on stderr');
}
