import { CodecError } from '@redstream/codec';
import { StreamClientError, TopicNotFoundError } from '@redstream/stream-client';
import { CliError } from './cli-error.js';
import type { ConnectionTarget } from './connect.js';

/** What the operator sees for a failure: one line and an exit code. */
export interface ErrorReport {
  message: string;
  exitCode: number;
}

const CONNECTION_LOST =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection is closed|Stream isn't writeable|MaxRetriesPerRequest|max retries per request|CLUSTERDOWN/i;

/** Maps any thrown value to one line, naming the Redis target when the connection was lost. */
export function reportError(error: unknown, target: ConnectionTarget | undefined): ErrorReport {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof TopicNotFoundError)
    return {
      message: `topic ${error.topic} does not exist (list topics with \`redstream topics\`; create one with \`redstream topic create ${error.topic} --partitions N\`)`,
      exitCode: 1,
    };
  if (error instanceof StreamClientError || error instanceof CodecError)
    return { message: error.message, exitCode: 1 };
  const message = error instanceof Error ? error.message : String(error);
  if (CONNECTION_LOST.test(message))
    return {
      message: `lost the connection to Redis${target ? ` at ${target.display}` : ''}: ${message}`,
      exitCode: 1,
    };
  if (error instanceof Error && error.name === 'ReplyError')
    return { message: `Redis refused a command: ${message}`, exitCode: 1 };
  return { message: `${message} (run with --verbose for details)`, exitCode: 1 };
}

export function firstLine(text: string): string {
  return text.split('\n', 1)[0]!;
}
