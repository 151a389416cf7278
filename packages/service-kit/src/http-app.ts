import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';

export interface HttpAppOptions {
  /** Largest request body in bytes (fastify's default, 1 MiB, when unset). */
  bodyLimit?: number;
}

/**
 * A fastify instance logging through the service's logger, without one line per request
 * (that would drown the logs at ingest rates; refusals and failures are logged instead).
 * Binds nothing: main.ts listens, tests use `inject()`.
 */
export function createHttpApp(logger: Logger, options: HttpAppOptions = {}): FastifyInstance {
  return Fastify({
    // pino's Logger is a FastifyBaseLogger; typing it as such keeps FastifyInstance un-generic.
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
  });
}
