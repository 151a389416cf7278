import { type Logger, pino } from 'pino';
import type { LogLevel } from './env-reader.js';

/**
 * JSON lines on stdout. Redis URLs are only ever logged through redactRedisUrl; the redact
 * paths are a second line of defence for objects that might carry a password.
 */
export function createLogger(level: LogLevel, service: string): Logger {
  return pino({
    level,
    base: { service, pid: process.pid },
    redact: { paths: ['password', '*.password', 'redisUrl', '*.redisUrl'], censor: '***' },
  });
}
