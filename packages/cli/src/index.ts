export { CliError } from './cli-error.js';
export type { CliIo, TextSink } from './cli-io.js';
export { buildProgram, runCli } from './program.js';
