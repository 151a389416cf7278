/**
 * A bad service configuration: every problem found, each naming the variable, the expected
 * form and what arrived. A service prints it and exits 1.
 */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';

  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}
