import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestkitError } from './errors.js';
import { getFreePort } from './free-port.js';
import { pingRedis } from './ping.js';
import type { ServerBinary } from './server-binary.js';
import { sleep, waitFor } from './wait-for.js';

export type Persistence = 'none' | 'aof-always' | 'aof-everysec';

export interface RedisServerOptions {
  persistence?: Persistence;
  /** Extra `--name value` arguments, e.g. `['--maxmemory-policy', 'allkeys-lru']`. */
  args?: string[];
  /** Cluster mode (used by the cluster launcher). */
  clusterEnabled?: boolean;
  /**
   * `cluster-node-timeout` in ms (default 5000): how long a node may be unreachable before the
   * others mark it failed and its replica is promoted. Failover tests use 1000-2000.
   */
  clusterNodeTimeoutMs?: number;
  /**
   * Extra addresses to listen on besides 127.0.0.1, e.g. the host side of a veth pair, so a
   * process in another network namespace can reach the server.
   */
  bind?: string[];
  startTimeoutMs?: number;
}

/**
 * One redis-server (or valkey-server) child process on a free port with a throwaway data dir.
 * It can be killed and restarted on the same port and dir, which is what fault tests need:
 * with AOF on, a restart brings the data back.
 */
export class RedisServerProcess {
  readonly host = '127.0.0.1';
  readonly dir: string;
  private child: ChildProcess | undefined;
  private output = '';
  private stopped = false;

  private constructor(
    readonly binary: ServerBinary,
    readonly port: number,
    private readonly options: RedisServerOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'redstream-redis-'));
  }

  static async start(
    binary: ServerBinary,
    options: RedisServerOptions = {},
  ): Promise<RedisServerProcess> {
    // Another process may grab the port between the probe and the bind: retry on a new port.
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const server = new RedisServerProcess(binary, await getFreePort(), options);
      try {
        await server.spawnAndWait();
        return server;
      } catch (error) {
        lastError = error;
        await server.stop();
      }
    }
    throw lastError;
  }

  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Sends a signal (default SIGKILL) and waits until the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.stopped = false;
  }

  /** Freezes the server (SIGSTOP) so clients see a hang, not a refused connection. */
  pause(): void {
    if (!this.running) return;
    this.child?.kill('SIGSTOP');
    this.stopped = true;
  }

  resume(): void {
    if (!this.running) return;
    this.child?.kill('SIGCONT');
    this.stopped = false;
  }

  /** True while SIGSTOPped by `pause()`: it accepts connections but answers nothing. */
  get paused(): boolean {
    return this.stopped && this.running;
  }

  /** The address list the server listens on (127.0.0.1 plus any `bind` extras). */
  get bindAddresses(): string[] {
    return [this.host, ...(this.options.bind ?? [])];
  }

  /** Kills the server (SIGKILL unless told otherwise) and starts it again on the same port and dir. */
  async restart({
    signal = 'SIGKILL',
    downtimeMs = 0,
  }: {
    signal?: NodeJS.Signals;
    downtimeMs?: number;
  } = {}): Promise<void> {
    await this.kill(signal);
    if (downtimeMs > 0) await sleep(downtimeMs);
    await this.spawnAndWait();
  }

  /** Stops the server and deletes its data dir. Safe to call twice. */
  async stop(): Promise<void> {
    await this.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async spawnAndWait(): Promise<void> {
    const {
      persistence = 'none',
      args = [],
      clusterEnabled = false,
      clusterNodeTimeoutMs = 5000,
      bind = [],
      startTimeoutMs = 10_000,
    } = this.options;
    const argv = [
      '--port',
      String(this.port),
      '--bind',
      [this.host, ...bind].join(' '),
      '--dir',
      this.dir,
      '--daemonize',
      'no',
      '--protected-mode',
      'no',
      '--save',
      '',
      '--logfile',
      '',
      ...(persistence === 'none'
        ? ['--appendonly', 'no']
        : [
            '--appendonly',
            'yes',
            '--appendfsync',
            persistence === 'aof-always' ? 'always' : 'everysec',
          ]),
      ...(clusterEnabled
        ? [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(this.dir, 'nodes.conf'),
            '--cluster-node-timeout',
            String(clusterNodeTimeoutMs),
          ]
        : []),
      ...args,
    ];
    this.output = '';
    const child = spawn(this.binary.path, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const remember = (chunk: Buffer) => {
      // Keep only the tail: enough to explain a failed start, bounded for long runs.
      this.output = (this.output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', remember);
    child.stderr?.on('data', remember);
    const spawnError = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) =>
        reject(
          new TestkitError(
            'TESTKIT_SERVER_EXITED',
            `${this.binary.path} exited (${code ?? signal}) while starting:\n${this.output}`,
          ),
        ),
      );
    });
    spawnError.catch(() => {});
    await Promise.race([
      spawnError,
      waitFor(async () => (await pingRedis(this.host, this.port, { timeoutMs: 500 })).ok, {
        description: `${this.binary.flavor}-server on port ${this.port} to answer PING`,
        timeoutMs: startTimeoutMs,
        intervalMs: 20,
      }),
    ]);
    child.removeAllListeners('exit');
  }
}
