/**
 * An error the operator can act on: printed as one line (`error: <message>`) with the exit
 * code, never with a stack trace. `code` names the failure for code and tests.
 */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A flag or argument of the wrong form: says what was expected and what arrived. */
export class InvalidInputError extends CliError {
  constructor(what: string, expected: string, received: string) {
    super(
      'CLI_INVALID_INPUT',
      `${what}: expected ${expected}, received ${JSON.stringify(received)}`,
    );
  }
}

/** The operator did not confirm a destructive action (answered no, or no terminal to ask). */
export class NotConfirmedError extends CliError {
  constructor(message: string) {
    super('CLI_NOT_CONFIRMED', message);
  }
}
