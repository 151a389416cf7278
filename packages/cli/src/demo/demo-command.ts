import type { Command } from 'commander';

/**
 * Registers `redstream demo`. Placeholder until the demo orchestration lands (issue 6):
 * it exits non-zero so nobody mistakes it for the real demo.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the end-to-end demo (not built yet)')
    .allowUnknownOption(true)
    .action(() => {
      process.stderr.write('redstream demo is not built yet\n');
      process.exitCode = 1;
    });
}
