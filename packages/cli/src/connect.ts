import { createStreamClient, redactRedisUrl, type StreamClient } from '@redstream/stream-client';
import { type Logger, pino } from 'pino';
import { CliError, InvalidInputError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { parseDuration } from './input/duration.js';

export const DEFAULT_URL = 'redis://127.0.0.1:6379';

export interface ConnectionFlags {
  url?: string;
  clusterNodes?: string;
  connectTimeout?: string;
  verbose?: boolean;
}

export interface ConnectionTarget {
  url: string;
  clusterNodes: string | undefined;
  /** Where we connect, password hidden: the only form that is ever printed. */
  display: string;
  connectTimeoutMs: number;
}

/** Flags first, then REDIS_URL / REDIS_CLUSTER_NODES, then the local default. */
export function resolveTarget(flags: ConnectionFlags, env: NodeJS.ProcessEnv): ConnectionTarget {
  const url = flags.url ?? (env.REDIS_URL || DEFAULT_URL);
  const clusterNodes = flags.clusterNodes ?? (env.REDIS_CLUSTER_NODES || undefined);
  const display = clusterNodes ? `cluster ${clusterNodes}` : redactRedisUrl(url);
  if (!clusterNodes && !/^rediss?:\/\//i.test(url))
    throw new InvalidInputError(
      '--url',
      'redis://[user:password@]host:port[/db] or rediss://...',
      redactRedisUrl(url),
    );
  const connectTimeoutMs = flags.connectTimeout
    ? parseDuration(flags.connectTimeout, '--connect-timeout', { bareUnit: 's' })
    : 5000;
  return { url, clusterNodes, display, connectTimeoutMs };
}

/**
 * Connects with fail-fast commands: an operator's command should fail with a clear message
 * when Redis goes away, not hang in an offline queue.
 */
export async function connectClient(
  target: ConnectionTarget,
  io: CliIo,
  verbose: boolean,
): Promise<StreamClient> {
  try {
    return await createStreamClient({
      url: target.url,
      ...(target.clusterNodes ? { clusterNodes: target.clusterNodes } : {}),
      connectTimeoutMs: target.connectTimeoutMs,
      failFast: true,
      clientName: 'redstream-cli',
      logger: cliLogger(io, verbose),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // The library names the target in its connection errors; make sure every failure does.
    const message = reason.includes(target.display)
      ? reason
      : `cannot connect to Redis at ${target.display}: ${reason}`;
    throw new CliError('CLI_CONNECTION', message, { cause: error });
  }
}

function cliLogger(io: CliIo, verbose: boolean): Logger {
  return verbose ? pino({ level: 'debug' }, io.stderr) : pino({ level: 'silent' });
}
