import { Command, CommanderError } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { runInProcess } from '../../test/helpers/run-cli.js';
import { registerDemoCommand } from './demo-command.js';

// A runner that cannot load (say, the demo workload's build is broken): only `demo` may fail.
vi.mock('./demo-runner.js', () => {
  throw new Error('the demo runner failed to load');
});

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
      ['--dashboard', '70000'],
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
      '--dashboard',
    ])
      expect(help).toContain(flag);
    expect(help).toContain('(default: 20000)');
  });

  it('loads the runner only when the demo runs, so a broken runner breaks no other command', async () => {
    const help = await runInProcess(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('demo');
    expect((await runInProcess(['--version'])).code).toBe(0);
    const { program: root } = program();
    // Only the demo itself fails, when it runs (vitest wraps the factory's error in its own).
    await expect(
      root.parseAsync(['demo', '--events', '1'], { from: 'user' }),
    ).rejects.toBeInstanceOf(Error);
  });
});
