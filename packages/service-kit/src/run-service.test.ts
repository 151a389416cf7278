import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import type { LogLevel } from './env-reader.js';
import type { RedisSettings } from './redis-settings.js';
import {
  runService,
  type ServiceContext,
  type ServiceDefinition,
  type ServiceHost,
} from './run-service.js';

interface TestConfig {
  logLevel: LogLevel;
  redis: RedisSettings;
  graceMs: number;
}

const config: TestConfig = {
  logLevel: 'info',
  redis: { url: 'redis://app:s3cret@redis:6379', clusterNodes: undefined, tls: undefined },
  graceMs: 1000,
};

/** A host whose exit, stderr, signals and stdout are recorded instead of real. */
function fakeHost() {
  const signals = new EventEmitter();
  const lines: Array<Record<string, unknown>> = [];
  const exits: number[] = [];
  let stderr = '';
  const host: ServiceHost = {
    env: {},
    exit: (code) => void exits.push(code),
    stderr: { write: (text: string) => (stderr += text) },
    signals,
    logDestination: {
      write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
    },
  };
  return {
    host,
    signals,
    lines,
    exits,
    messages: () => lines.map((line) => line.msg),
    stderr: () => stderr,
  };
}

function service(
  start: (context: ServiceContext<TestConfig>) => Promise<void>,
  overrides: Partial<ServiceDefinition<TestConfig>> = {},
): ServiceDefinition<TestConfig> {
  return {
    name: 'worker',
    loadConfig: () => config,
    shutdownGraceMs: (loaded) => loaded.graceMs,
    start,
    ...overrides,
  };
}

describe('runService', () => {
  it('prints a bad configuration on stderr and exits 1 without starting', async () => {
    const fake = fakeHost();
    let started = false;
    const run = await runService(
      service(
        async () => {
          started = true;
        },
        {
          loadConfig: () => {
            throw new ConfigError(['PORT: expected an integer from 0 to 65535, got "x"']);
          },
        },
      ),
      fake.host,
    );
    expect(await run.exited).toBe(1);
    expect(fake.exits).toEqual([1]);
    expect(fake.stderr()).toBe(
      'worker: invalid configuration:\n  PORT: expected an integer from 0 to 65535, got "x"\n',
    );
    expect(started).toBe(false);
    expect(fake.signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('prints an unexpected config failure with its stack and exits 1', async () => {
    const fake = fakeHost();
    const run = await runService(
      service(async () => {}, {
        loadConfig: () => {
          throw new TypeError('bug');
        },
      }),
      fake.host,
    );
    expect(await run.exited).toBe(1);
    expect(fake.stderr()).toMatch(/^worker: TypeError: bug\n\s+at /);
  });

  it('logs the start with the Redis password hidden, and on SIGTERM stops newest first and exits 0', async () => {
    const fake = fakeHost();
    const order: string[] = [];
    let signal: AbortSignal | undefined;
    await runService(
      service(
        async (context) => {
          signal = context.signal;
          context.onStop(() => void order.push('client'));
          context.onStop(async () => {
            expect(context.shuttingDown).toBe(true);
            order.push('server');
          });
          context.logger.info('ready');
        },
        { describe: () => ({ topic: 'orders' }), logFields: () => ({ replica: 'r1' }) },
      ),
      fake.host,
    );
    expect(fake.lines[0]).toMatchObject({
      msg: 'worker starting',
      service: 'worker',
      replica: 'r1',
      redis: 'redis://app:***@redis:6379',
      topic: 'orders',
    });
    expect(JSON.stringify(fake.lines)).not.toContain('s3cret');
    expect(signal?.aborted).toBe(false);

    fake.signals.emit('SIGTERM');
    fake.signals.emit('SIGINT');
    await waitUntil(() => fake.exits.length > 0);
    expect(fake.exits).toEqual([0]);
    expect(signal?.aborted).toBe(true);
    expect(order).toEqual(['server', 'client']);
    expect(fake.messages()).toEqual(['worker starting', 'ready', 'shutting down', 'stopped']);
    expect(fake.lines[2]).toMatchObject({ reason: 'SIGTERM', graceMs: 1000 });
    // Signals are handled once: a second SIGTERM gets the default behaviour.
    expect(fake.signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('logs a failed start as fatal, undoes what was opened, and exits 1', async () => {
    const fake = fakeHost();
    const closed: string[] = [];
    const run = await runService(
      service(async (context) => {
        context.onStop(() => void closed.push('client'));
        throw new Error('NOAUTH Authentication required');
      }),
      fake.host,
    );
    expect(await run.exited).toBe(1);
    expect(closed).toEqual(['client']);
    expect(fake.lines.at(-1)).toMatchObject({
      level: 60,
      msg: 'cannot start: NOAUTH Authentication required',
    });
  });

  it('exits 0 through the shutdown when SIGTERM arrives while starting', async () => {
    const fake = fakeHost();
    const run = await Promise.all([
      runService(
        service(
          (context) =>
            new Promise<void>((_, reject) => {
              // A connect that the shutdown cuts short.
              context.onStop(() => reject(new Error('Connection is closed.')));
            }),
        ),
        fake.host,
      ),
      Promise.resolve().then(() => fake.signals.emit('SIGTERM')),
    ]).then(([started]) => started);
    expect(await run.exited).toBe(0);
    expect(fake.messages()).not.toContain(expect.stringMatching(/^cannot start/));
  });

  it('exits 1 when a stop step fails (after running the others) or outlasts the grace period', async () => {
    const failing = fakeHost();
    const ran: string[] = [];
    const first = await runService(
      service(async (context) => {
        context.onStop(() => void ran.push('client'));
        context.onStop(() => {
          throw new Error('close failed');
        });
      }),
      failing.host,
    );
    await first.shutdown('test');
    expect(await first.exited).toBe(1);
    expect(ran).toEqual(['client']);
    expect(failing.messages()).toContain('stop step failed: close failed');

    const hanging = fakeHost();
    const second = await runService(
      service(async (context) => context.onStop(() => new Promise(() => {})), {
        loadConfig: () => ({ ...config, graceMs: 50 }),
      }),
      hanging.host,
    );
    void second.shutdown('test');
    expect(await second.exited).toBe(1);
    expect(hanging.lines.at(-1)).toMatchObject({
      level: 50,
      msg: 'shutdown did not finish within the grace period; exiting',
      graceMs: 50,
    });
  });

  it('lets the service shut itself down with an exit code', async () => {
    const fake = fakeHost();
    const run = await runService(
      service(async (context) => {
        setTimeout(() => void context.shutdown('work failed', 3), 1);
      }),
      fake.host,
    );
    expect(await run.exited).toBe(3);
    expect(fake.lines.find((line) => line.msg === 'shutting down')).toMatchObject({
      reason: 'work failed',
    });
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}
