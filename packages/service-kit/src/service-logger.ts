import { type DestinationStream, type Logger, pino } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { LogFormat, LogLevel } from './env-reader.js';

export interface ServiceLoggerOptions {
  level: LogLevel;
  /** `json` (default) or `pretty` (pino-pretty: coloured, one readable line per entry). */
  format?: LogFormat;
  /** The `service` field of every line. */
  service: string;
  /** More fields on every line (a consumer replica's name). */
  fields?: Record<string, unknown>;
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
}

/**
 * JSON lines on stdout (or pino-pretty's lines under LOG_FORMAT=pretty, the dev default).
 * Redis URLs are only ever logged through redactRedisUrl; the redact paths are a second line
 * of defence for objects that might carry a password or a TLS key.
 */
export function createServiceLogger({
  level,
  format = 'json',
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
  // In-process and synchronous rather than a transport worker: a dev terminal gets each line
  // when it happens, and a crash loses none of the last ones.
  const target =
    format === 'pretty'
      ? PinoPretty({
          sync: true,
          translateTime: 'HH:MM:ss.l',
          singleLine: true,
          ignore: 'pid,hostname',
          ...(destination ? { destination } : {}),
        })
      : destination;
  // Synchronous writes to stdout: a service logs a few lines per second, and an asynchronous
  // stream let a shutdown's lines reach stdout out of order ('stopped' before 'shutting down'
  // when a short run ended within a millisecond of its last write).
  return pino(options, target ?? pino.destination({ dest: 1, sync: true }));
}
