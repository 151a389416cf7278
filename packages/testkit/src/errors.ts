/** Base class of every error the testkit throws, with a stable code. */
export class TestkitError extends Error {
  readonly code: string;
  /** A fatal error thrown inside a `waitFor` condition ends the wait at once instead of retrying. */
  readonly fatal: boolean = false;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** No Redis could be found or started. The message says how to get one. */
export class RedisUnavailableError extends TestkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TESTKIT_REDIS_UNAVAILABLE', message, options);
  }
}

/** A condition awaited with `waitFor` did not become true in time. */
export class WaitTimeoutError extends TestkitError {
  constructor(description: string, timeoutMs: number, lastError?: unknown) {
    super(
      'TESTKIT_WAIT_TIMEOUT',
      `timed out after ${timeoutMs} ms waiting for ${description}` +
        (lastError instanceof Error ? ` (last error: ${lastError.message})` : ''),
      { cause: lastError },
    );
  }
}

/** An operation needs a server this testkit started itself (kill, restart, flush). */
export class NotOwnedError extends TestkitError {
  constructor(operation: string) {
    super(
      'TESTKIT_NOT_OWNED',
      `cannot ${operation} a Redis this process did not start (REDIS_URL); ` +
        'launch one with { own: true } for fault tests',
    );
  }
}

/** A child process exited while something was still waited for from it. */
export class ProcessExitedError extends TestkitError {
  override readonly fatal = true;
  constructor(message: string) {
    super('TESTKIT_PROCESS_EXITED', message);
  }
}
