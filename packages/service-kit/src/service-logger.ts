import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from './env-reader.js';

export interface ServiceLoggerOptions {
  level: LogLevel;
  /** The `service` field of every line. */
  service: string;
  /** More fields on every line (a consumer replica's name). */
  fields?: Record<string, unknown>;
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
}

/**
 * JSON lines on stdout. Redis URLs are only ever logged through redactRedisUrl; the redact
 * paths are a second line of defence for objects that might carry a password or a TLS key.
 */
export function createServiceLogger({
  level,
  service,
  fields = {},
  destination,
}: ServiceLoggerOptions): Logger {
  const options = {
    level,
    base: { service, pid: process.pid, ...fields },
    redact: {
      paths: ['password', '*.password', 'redisUrl', '*.redisUrl', 'tls.key', '*.tls.key'],
      censor: '***',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
