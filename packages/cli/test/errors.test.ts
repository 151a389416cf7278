import { getFreePort, type LaunchedRedis, launchRedis, uniqueName } from '@redstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliFor, runInProcess } from './helpers/run-cli.js';

let redis: LaunchedRedis;
let cli: ReturnType<typeof cliFor>;

beforeAll(async () => {
  redis = await launchRedis();
  cli = cliFor(redis.url);
});

afterAll(async () => {
  await redis?.stop();
});

/** One line on stderr, starting with `error: `, and no stack frame. */
function expectOneLineError(stderr: string): void {
  expect(stderr).toMatch(/^error: [^\n]+\n$/);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('connection errors', () => {
  it('says which URL failed, with the password hidden', async () => {
    const port = await getFreePort();
    const run = await runInProcess([
      'topics',
      '--url',
      `redis://admin:s3cret@127.0.0.1:${port}`,
      '--connect-timeout',
      '300ms',
    ]);
    expect(run.code).toBe(1);
    expectOneLineError(run.stderr);
    expect(run.stderr).toContain(`redis://admin:***@127.0.0.1:${port}`);
    expect(run.stderr).toContain('ECONNREFUSED');
    expect(run.stderr).not.toContain('s3cret');
  });

  it('takes REDIS_URL from the environment when --url is not given', async () => {
    const port = await getFreePort();
    const run = await runInProcess(['topics', '--connect-timeout', '0.3'], {
      env: { REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`127.0.0.1:${port}`);
    expect(run.stderr).not.toContain('hunter2');
    const ok = await runInProcess(['topics', '--json'], { env: { REDIS_URL: redis.url } });
    expect(ok.code).toBe(0);
  });

  it('refuses a URL that is not redis:// or rediss://', async () => {
    const run = await runInProcess(['topics', '--url', 'http://user:pw@example.com']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: --url: expected redis://[user:password@]host:port[/db] or rediss://..., received "http://user:***@example.com/"\n',
    );
  });
});

describe('input errors', () => {
  it('a missing topic says how to create it', async () => {
    const topic = uniqueName('missing');
    const run = await cli(['groups', topic]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: topic ${topic} does not exist (list topics with \`redstream topics\`; create one with \`redstream topic create ${topic} --partitions N\`)\n`,
    );
  });

  it('unknown options and commands fail with one line and exit code 1', async () => {
    const option = await cli(['topics', '--nope']);
    expect(option.code).toBe(1);
    expect(option.stderr).toBe("error: unknown option '--nope'\n");
    const command = await runInProcess(['lagg']);
    expect(command.code).toBe(1);
    expect(command.stderr).toBe("error: unknown command 'lagg'\n(Did you mean lag?)\n");
  });

  it('bad flag values name the flag, the expected form and what arrived', async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['lag', 't', '--group', 'g', '--max-lag-seconds', 'ten'],
        /--max-lag-seconds: expected a number >= 0, received "ten"/,
      ],
      [['lag', 't', '--group', 'g', '--interval', 'soon'], /--interval: expected a duration like/],
      [
        ['dlq', 'list', 't', '--filter', 'colour=red'],
        /--filter: expected field=value, field!=value or field~text/,
      ],
      [
        ['dlq', 'list', 't', '--partition', 'x'],
        /--partition: expected an integer >= 0, received "x"/,
      ],
      [['dlq', 'redrive', 't', '--rate', '-1'], /--rate: expected a number >= 0, received "-1"/],
      [['trim', 't', '--older-than', 'old'], /--older-than: expected a duration like/],
      [['tail', 't', '--count', '0'], /--count: expected an integer >= 1, received "0"/],
    ];
    for (const [argv, message] of cases) {
      const run = await cli(argv);
      expect(run.code, argv.join(' ')).toBe(1);
      expectOneLineError(run.stderr);
      expect(run.stderr).toMatch(message);
    }
  });

  it('--verbose adds the stack trace', async () => {
    const run = await cli(['groups', uniqueName('missing'), '--verbose']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: topic .* does not exist/m);
    expect(run.stderr).toMatch(/\n\s+at /);
  });
});

describe('help', () => {
  it('every command has --help with examples', async () => {
    const commands = [
      ['topics'],
      ['topic', 'create'],
      ['topic', 'describe'],
      ['groups'],
      ['lag'],
      ['tail'],
      ['publish'],
      ['dlq', 'list'],
      ['dlq', 'show'],
      ['dlq', 'redrive'],
      ['dlq', 'purge'],
      ['replay'],
      ['trim'],
      ['dashboard'],
    ];
    for (const command of commands) {
      const run = await runInProcess([...command, '--help']);
      expect(run.code, command.join(' ')).toBe(0);
      expect(run.stdout).toContain(`Usage: redstream ${command.join(' ')}`);
      expect(run.stdout).toContain('Examples:');
      expect(run.stdout).toContain('--url <url>');
      expect(run.stdout).toContain('--json');
    }
    const root = await runInProcess(['--help']);
    expect(root.code).toBe(0);
    for (const name of [
      'topics',
      'topic',
      'groups',
      'lag',
      'tail',
      'publish',
      'dlq',
      'replay',
      'trim',
      'dashboard',
      'demo',
    ])
      expect(root.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });
});
