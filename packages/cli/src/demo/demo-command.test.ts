import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDemoCommand } from './demo-command.js';

function program(): { program: Command; errors: string[] } {
  const errors: string[] = [];
  const root = new Command('redstream')
    .exitOverride()
    .configureOutput({ writeErr: (text) => errors.push(text), writeOut: () => {} });
  registerDemoCommand(root);
  return { program: root, errors };
}

describe('redstream demo flags', () => {
  it('refuses bad values, naming the flag and the expected form', async () => {
    for (const args of [
      ['--events', 'many'],
      ['--consumers', '0'],
      ['--ordering', 'fifo'],
      ['--kill', '-1'],
    ]) {
      const { program: root, errors } = program();
      await expect(root.parseAsync(['demo', ...args], { from: 'user' })).rejects.toBeInstanceOf(
        CommanderError,
      );
      expect(errors.join('')).toContain(args[0]);
    }
  });

  it('documents every flag in --help', async () => {
    const { program: root } = program();
    const help = root.commands.find((command) => command.name() === 'demo')!.helpInformation();
    for (const flag of [
      '--events',
      '--keys',
      '--consumers',
      '--partitions',
      '--ordering',
      '--kill',
      '--cluster',
      '--json',
    ])
      expect(help).toContain(flag);
    expect(help).toContain('(default: 20000)');
  });
});
