import { readFileSync } from 'node:fs';
import { redactRedisUrl } from '@redstream/stream-client';
import { ConfigError } from './config-error.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Topic, group and consumer names as the stream client accepts them. */
const NAME = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Reads env variables once, collecting every problem so a misconfigured deploy learns about
 * all of them in one start. Empty values count as unset.
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Throws one ConfigError listing every problem found so far. */
  finish(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  problem(name: string, expected: string, received: string): void {
    this.problems.push(`${name}: expected ${expected}, got ${JSON.stringify(received)}`);
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  name(name: string, fallback: string): string {
    const value = this.string(name, fallback);
    if (!NAME.test(value)) this.problem(name, '1-200 characters of A-Z a-z 0-9 . _ -', value);
    return value;
  }

  integer(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
      this.problem(name, `an integer from ${min} to ${max}`, text);
      return fallback;
    }
    return value;
  }

  optionalInteger(name: string, options: { min?: number; max?: number } = {}): number | undefined {
    return this.raw(name) === undefined ? undefined : this.integer(name, 0, options);
  }

  oneOf<const T extends string>(name: string, values: readonly T[], fallback: T): T {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    if (!(values as readonly string[]).includes(text)) {
      this.problem(name, `one of ${values.join(', ')}`, text);
      return fallback;
    }
    return text as T;
  }

  boolean(name: string, fallback: boolean): boolean {
    const text = this.raw(name)?.toLowerCase();
    if (text === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(text)) return true;
    if (['0', 'false', 'no', 'off'].includes(text)) return false;
    this.problem(name, 'true or false (also 1/0, yes/no, on/off)', text);
    return fallback;
  }

  logLevel(name: string, fallback: LogLevel): LogLevel {
    return this.oneOf(name, LOG_LEVELS, fallback);
  }

  /** A redis:// or rediss:// URL; never echoes a password in the message. */
  redisUrl(name: string, fallback: string): string {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    let valid = false;
    try {
      const url = new URL(text);
      valid = (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
    } catch {
      valid = false;
    }
    if (!valid)
      this.problem(
        name,
        'redis://[user:password@]host:port[/db] or rediss://...',
        redactRedisUrl(text),
      );
    return text;
  }

  /** `host:port[,host:port...]`, or undefined when unset. */
  clusterNodes(name: string): string | undefined {
    const text = this.raw(name);
    if (text === undefined) return undefined;
    const valid = text
      .split(',')
      .every((part) => /^\s*[^\s:,]+:\d{1,5}\s*$/.test(part) && Number(part.split(':')[1]) > 0);
    if (!valid) this.problem(name, 'host:port[,host:port...]', text);
    return text;
  }

  /**
   * The contents of the PEM file whose path the variable holds, or undefined when unset. Read
   * here, at start, so a wrong path is a configuration error naming the variable rather than a
   * connection failure later. The message names the path, never the contents.
   */
  pemFile(name: string): string | undefined {
    const path = this.raw(name);
    if (path === undefined) return undefined;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      this.problem(name, `the path of a readable PEM file (${reason})`, path);
      return undefined;
    }
    if (!text.includes('-----BEGIN ')) {
      this.problem(name, 'the path of a PEM file (no -----BEGIN line in it)', path);
      return undefined;
    }
    return text;
  }
}
