import type { DestinationStream, Logger } from 'pino';
import { ConfigError } from './config-error.js';
import type { LogFormat, LogLevel } from './env-reader.js';
import { describeRedisTarget, type RedisSettings } from './redis-settings.js';
import { createServiceLogger } from './service-logger.js';

/** What every service config has: the lifecycle logs with the level and names the Redis. */
export interface ServiceConfig {
  logLevel: LogLevel;
  /** `json` (default): pino JSON lines; `pretty`: pino-pretty, for a developer's terminal. */
  logFormat?: LogFormat;
  redis: RedisSettings;
}

/** A step that undoes part of a start: close a server, drain a subscription, close a client. */
export type StopStep = () => unknown;

export interface ServiceContext<C extends ServiceConfig> {
  readonly config: C;
  readonly logger: Logger;
  /** Aborted when the shutdown begins: loops stop taking new work. */
  readonly signal: AbortSignal;
  /** True from the first SIGTERM/SIGINT (or `shutdown()` call) on. */
  readonly shuttingDown: boolean;
  /**
   * Registers what undoes the part of the start just done. On shutdown (or a failed start) the
   * steps run last-registered first, so a server closes before the client it uses.
   */
  onStop(step: StopStep): void;
  /**
   * Starts the shutdown from inside the service (a generator that is done, say); exit code 0
   * unless given (a stop step failing, or the grace period running out, makes it 1 anyway).
   */
  shutdown(reason: string, exitCode?: number): Promise<void>;
}

export interface ServiceDefinition<C extends ServiceConfig> {
  /** `producer`: the log lines' `service`, the prefix of messages on stderr. */
  name: string;
  /** Parses env once; a ConfigError makes the process print it and exit 1. */
  loadConfig(env: NodeJS.ProcessEnv): C;
  /** Fields for the `<name> starting` line, beside the (redacted) Redis target. */
  describe?(config: C): Record<string, unknown>;
  /** Fields on every log line. */
  logFields?(config: C): Record<string, unknown>;
  /** From SIGTERM to a forced exit 1. Default 10 s. */
  shutdownGraceMs?(config: C): number;
  /** Connects, listens, starts work; registers a stop step for each thing it opened. */
  start(context: ServiceContext<C>): Promise<void>;
}

/** The process around the service; tests replace it, a real run uses `process`. */
export interface ServiceHost {
  env: NodeJS.ProcessEnv;
  exit(code: number): void;
  stderr: { write(text: string): unknown };
  /** Where SIGTERM and SIGINT come from. */
  signals: { once(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown };
  /** Where log lines go (stdout when unset). */
  logDestination?: DestinationStream;
}

export interface ServiceRun {
  /** Resolves with the exit code once the service has asked the host to exit. */
  readonly exited: Promise<number>;
  /** What SIGTERM does: drain, stop, exit 0 (exit 1 past the grace period). */
  shutdown(reason: string): Promise<void>;
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

const processHost = (): ServiceHost => ({
  env: process.env,
  exit: (code) => process.exit(code),
  stderr: process.stderr,
  signals: process,
});

/**
 * The lifecycle both services share: load the config (or print what is wrong and exit 1),
 * create the logger, log the Redis target with its password hidden, start, and on the first
 * SIGTERM/SIGINT run the stop steps and exit 0, or exit 1 when they outlast the grace period.
 * A start that fails logs a fatal line, undoes what it opened, flushes the logger and exits 1.
 * Resolves once started (or failed).
 */
export async function runService<C extends ServiceConfig>(
  service: ServiceDefinition<C>,
  host: ServiceHost = processHost(),
): Promise<ServiceRun> {
  let resolveExited: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => {
    resolveExited = resolve;
  });
  let ended = false;
  const end = (code: number) => {
    if (ended) return;
    ended = true;
    resolveExited(code);
    host.exit(code);
  };

  let config: C;
  try {
    config = service.loadConfig(host.env);
  } catch (error) {
    const text = error instanceof ConfigError ? error.message : describeUnexpected(error);
    host.stderr.write(`${service.name}: ${text}\n`);
    end(1);
    return { exited, shutdown: async () => {} };
  }

  const logger = createServiceLogger({
    level: config.logLevel,
    ...(config.logFormat ? { format: config.logFormat } : {}),
    service: service.name,
    ...(service.logFields ? { fields: service.logFields(config) } : {}),
    ...(host.logDestination ? { destination: host.logDestination } : {}),
  });
  const graceMs = service.shutdownGraceMs?.(config) ?? DEFAULT_SHUTDOWN_GRACE_MS;
  const stopSteps: StopStep[] = [];
  const abort = new AbortController();
  let shuttingDown: Promise<void> | undefined;
  // Set before the first stop step runs (the promise above is assigned only after it started).
  let stopping = false;

  /** Runs every registered step, newest first; true when all of them succeeded. */
  const runStopSteps = async (): Promise<boolean> => {
    let clean = true;
    for (const step of stopSteps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        clean = false;
        logger.error({ err: error }, `stop step failed: ${(error as Error)?.message}`);
      }
    }
    return clean;
  };

  const shutdown = (reason: string, exitCode = 0): Promise<void> => {
    shuttingDown ??= (async () => {
      stopping = true;
      const started = Date.now();
      logger.info({ reason, graceMs }, 'shutting down');
      const force = setTimeout(() => {
        logger.error({ graceMs }, 'shutdown did not finish within the grace period; exiting');
        void flushed(logger).then(() => end(1));
      }, graceMs);
      force.unref();
      abort.abort();
      const clean = await runStopSteps();
      clearTimeout(force);
      logger.info({ durationMs: Date.now() - started }, 'stopped');
      await flushed(logger);
      end(clean ? exitCode : 1);
    })();
    return shuttingDown;
  };
  host.signals.once('SIGTERM', () => void shutdown('SIGTERM'));
  host.signals.once('SIGINT', () => void shutdown('SIGINT'));

  logger.info(
    { redis: describeRedisTarget(config.redis), ...service.describe?.(config) },
    `${service.name} starting`,
  );
  const context: ServiceContext<C> = {
    config,
    logger,
    signal: abort.signal,
    get shuttingDown() {
      return stopping;
    },
    onStop: (step) => void stopSteps.push(step),
    shutdown,
  };
  try {
    await service.start(context);
  } catch (error) {
    // A SIGTERM while starting closes what the start was using: the shutdown exits.
    if (!stopping) {
      logger.fatal({ err: error }, `cannot start: ${(error as Error)?.message ?? String(error)}`);
      await runStopSteps();
      await flushed(logger);
      end(1);
    }
  }
  return { exited, shutdown };
}

/**
 * Resolves once the logger's buffered lines are written (at most a second): stdout is written
 * asynchronously, and exiting right after the last log call could cut off its final lines.
 */
function flushed(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
    logger.flush(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const FLUSH_TIMEOUT_MS = 1000;

function describeUnexpected(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
