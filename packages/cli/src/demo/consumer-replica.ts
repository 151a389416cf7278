import type { ExitStatus, ServiceProcess } from '@redstream/testkit';
import { spawnService } from './service-launcher.js';

export type ReplicaState = 'starting' | 'running' | 'killed' | 'stopping' | 'stopped' | 'crashed';

const READY_LINE = /"msg":"consumer ready"/;

/**
 * One consumer replica of the demo under a fixed name. A kill (SIGKILL) is followed by a
 * replacement under the same name, like a restarted container with a stable identity: the
 * replacement re-acquires its partitions' leases at once (static membership, bumping the
 * fencing epoch) and finishes the entries the killed process left pending before new ones.
 */
export class ConsumerReplica {
  state: ReplicaState = 'starting';
  restarts = 0;
  private current: ServiceProcess | undefined;
  /** Exit statuses of processes that ended without the demo asking (crashes). */
  readonly crashes: ExitStatus[] = [];

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
  ) {}

  get process(): ServiceProcess | undefined {
    return this.current;
  }

  /** Starts a process and resolves once it logged `consumer ready`. */
  async start(readyTimeoutMs: number): Promise<void> {
    this.state = 'starting';
    const child = spawnService('consumer', this.name, { ...this.env, CONSUMER_NAME: this.name });
    this.current = child;
    void child.exited.then((status) => {
      if (this.current !== child) return;
      if (this.state === 'starting' || this.state === 'running') {
        this.state = 'crashed';
        this.crashes.push(status);
      }
    });
    await child.waitForLine(READY_LINE, readyTimeoutMs);
    if (this.current === child && this.state === 'starting') this.state = 'running';
  }

  /** SIGKILL: no drain, no ack, no lease release. */
  kill(): void {
    this.state = 'killed';
    this.current?.signal('SIGKILL');
  }

  /** Starts the replacement after `delayMs`. */
  async replace(delayMs: number, readyTimeoutMs: number): Promise<void> {
    await this.current?.exited;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (this.state !== 'killed') return;
    this.restarts++;
    await this.start(readyTimeoutMs);
  }

  /** SIGTERM and wait (the replica drains, acks and releases its leases); SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<ExitStatus | undefined> {
    const child = this.current;
    if (!child) return undefined;
    if (!child.running) {
      if (this.state !== 'crashed') this.state = 'stopped';
      return undefined;
    }
    this.state = 'stopping';
    const status = await child.stop(graceMs);
    this.state = 'stopped';
    return status;
  }

  tail(lines = 20): string {
    return this.current?.tail(lines) ?? '';
  }
}
