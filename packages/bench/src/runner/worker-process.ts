import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type ChildMessage,
  candidateLibrary,
  type ParentMessage,
  type WorkerResult,
  type WorkerSystem,
  type WorkerTask,
} from './protocol.js';

export type WorkerScript = WorkerSystem | 'codec';

export interface SpawnWorkerOptions {
  /** Write a CPU profile of this process into the directory (node --cpu-prof). */
  profileDir?: string | undefined;
  label: string;
}

const SCRIPTS: Record<WorkerScript, string> = {
  redstream: '../systems/redstream-worker.js',
  'redstream-candidate': '../systems/redstream-worker.js',
  'ioredis-raw': '../systems/ioredis-raw-worker.js',
  bullmq: '../systems/bullmq-worker.js',
  codec: '../systems/codec-worker.js',
};

export class WorkerFailedError extends Error {
  override readonly name = 'WorkerFailedError';
}

/**
 * The parent side of one worker process (`node dist/systems/<system>-worker.js` with an IPC
 * channel): send the task and the go/stop signals, wait for its messages.
 */
export class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly queue: ChildMessage[] = [];
  private waiter: (() => void) | undefined;
  private stderrTail = '';
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private progressListener: ((message: ChildMessage & { kind: 'progress' }) => void) | undefined;

  private constructor(
    script: WorkerScript,
    private readonly options: SpawnWorkerOptions,
  ) {
    const path = fileURLToPath(new URL(SCRIPTS[script], import.meta.url));
    const flags = options.profileDir
      ? [
          '--cpu-prof',
          '--cpu-prof-dir',
          options.profileDir,
          '--cpu-prof-name',
          `${safe(options.label)}-${Date.now()}.cpuprofile`,
        ]
      : [];
    const library = script === 'redstream-candidate' ? candidateLibrary() : undefined;
    this.child = spawn(process.execPath, [...flags, path], {
      env: library ? { ...process.env, REDSTREAM_BENCH_STREAM_CLIENT: library } : process.env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    this.child.on('message', (message: ChildMessage) => {
      if (message.kind === 'progress' && this.progressListener) {
        this.progressListener(message);
        return;
      }
      this.queue.push(message);
      this.wake();
    });
    this.child.on('exit', (code, signal) => {
      this.exited = { code, signal };
      this.wake();
    });
  }

  static start(script: WorkerScript, task: WorkerTask, options: SpawnWorkerOptions): WorkerProcess {
    const worker = new WorkerProcess(script, options);
    worker.send({ kind: 'task', task });
    return worker;
  }

  get label(): string {
    return this.options.label;
  }

  /** The child's process id (for its CPU time from /proc). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: ParentMessage): void {
    if (this.child.connected) this.child.send(message);
  }

  /** Progress messages go here instead of the queue. */
  onProgress(listener: (message: ChildMessage & { kind: 'progress' }) => void): void {
    this.progressListener = listener;
  }

  async waitReady(timeoutMs: number): Promise<number[] | undefined> {
    const message = await this.next('ready', timeoutMs);
    return message.owned;
  }

  async result<R extends WorkerResult = WorkerResult>(timeoutMs: number): Promise<R> {
    const message = await this.next('result', timeoutMs);
    return message.result as R;
  }

  /** Kills the process (if still running) and waits until it is gone. */
  async kill(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await gone;
  }

  /** Resolves when the process has exited (the CPU profile is written on a normal exit). */
  async exit(timeoutMs = 10_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await gone;
    clearTimeout(timer);
  }

  private async next<K extends ChildMessage['kind']>(
    kind: K,
    timeoutMs: number,
  ): Promise<Extract<ChildMessage, { kind: K }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.queue.findIndex(
        (message) => message.kind === kind || message.kind === 'failed',
      );
      if (index >= 0) {
        const [message] = this.queue.splice(index, 1);
        if (message!.kind === 'failed')
          throw new WorkerFailedError(`${this.options.label} failed: ${message!.message}`);
        return message as Extract<ChildMessage, { kind: K }>;
      }
      if (this.exited) {
        throw new WorkerFailedError(
          `${this.options.label} exited (${this.exited.code ?? this.exited.signal}) before sending ${kind}${this.stderrTail ? `:\n${this.stderrTail}` : ''}`,
        );
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        await this.kill();
        throw new WorkerFailedError(
          `${this.options.label}: no ${kind} within ${timeoutMs} ms${this.stderrTail ? `:\n${this.stderrTail}` : ''}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}

function safe(label: string): string {
  return label.replace(/[^A-Za-z0-9_-]+/g, '_');
}
