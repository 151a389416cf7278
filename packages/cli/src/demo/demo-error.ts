import { CliError } from '../cli-error.js';

/** A demo run that cannot go on (no build, a service that would not start, a topic mismatch). */
export class DemoError extends CliError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CLI_DEMO_FAILED', message, options);
  }
}
