import { performance } from 'node:perf_hooks';
import type {
  ChildMessage,
  ParentMessage,
  ProduceResult,
  ProduceTask,
  WorkerResult,
  WorkerRole,
  WorkerTask,
} from '../runner/protocol.js';

/** What a worker's role function gets besides its task: the parent's signals and reporting. */
export interface WorkerControl {
  /** Tells the parent setup is done (connections open, subscribed). */
  ready(owned?: number[]): void;
  /** Resolves when the parent says go. */
  readonly go: Promise<void>;
  /** Resolves when the parent says stop. */
  readonly stop: Promise<void>;
  /** Sends `progress()` to the parent every 50 ms until the role returns. */
  reportProgress(progress: () => { handled: number; owned?: number[] }): void;
  /** Highest resident set size of this process so far, in MB. */
  peakRssMb(): number;
  /** CPU time (user + system) this process used between go and stop, in ms. */
  runCpuMs(): number;
}

type RoleFn<T extends WorkerTask = WorkerTask> = (
  task: T,
  control: WorkerControl,
) => Promise<WorkerResult>;
export type RoleTable = { [R in WorkerRole]?: RoleFn<Extract<WorkerTask, { role: R }>> };

const PROGRESS_INTERVAL_MS = 50;
const RSS_SAMPLE_INTERVAL_MS = 100;

/**
 * The child side of a worker process: waits for its task over IPC, runs the role function,
 * sends the result (or the failure) and exits. Peak RSS is the kernel's high-water mark
 * (getrusage maxrss), checked against samples of process.memoryUsage().
 */
export function runWorker(system: string, roles: RoleTable): void {
  if (!process.send) {
    process.stderr.write(`${system} worker: must be started by the bench with an IPC channel\n`);
    process.exit(2);
  }
  let sampledRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    sampledRss = Math.max(sampledRss, process.memoryUsage.rss());
  }, RSS_SAMPLE_INTERVAL_MS);
  sampler.unref();
  const peakRssMb = () =>
    Math.max(sampledRss, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024) /
    (1024 * 1024);

  let resolveGo!: () => void;
  let resolveStop!: () => void;
  const go = new Promise<void>((resolve) => {
    resolveGo = resolve;
  });
  const stop = new Promise<void>((resolve) => {
    resolveStop = resolve;
  });
  let progressTimer: NodeJS.Timeout | undefined;
  let cpuAtGo: NodeJS.CpuUsage | undefined;
  let cpuAtStop: NodeJS.CpuUsage | undefined;
  const runCpuMs = () => {
    if (!cpuAtGo) return Number.NaN;
    const used = process.cpuUsage(cpuAtGo);
    const after = cpuAtStop ? process.cpuUsage(cpuAtStop) : { user: 0, system: 0 };
    return (used.user + used.system - after.user - after.system) / 1000;
  };
  const send = (message: ChildMessage) => process.send!(message);

  const finish = (message: ChildMessage, code: number) => {
    clearInterval(progressTimer);
    // Exit from the send callback: the message is flushed, and lingering connections or
    // timers of the system under test cannot keep the process alive.
    process.send!(message, undefined, undefined, () => process.exit(code));
  };

  process.on('message', (raw: ParentMessage) => {
    if (raw.kind === 'go') {
      cpuAtGo ??= process.cpuUsage();
      resolveGo();
    } else if (raw.kind === 'stop') {
      cpuAtStop ??= process.cpuUsage();
      resolveStop();
    } else if (raw.kind === 'task') {
      const role = roles[raw.task.role] as RoleFn | undefined;
      if (!role) {
        finish({ kind: 'failed', message: `${system} has no ${raw.task.role} role` }, 1);
        return;
      }
      const control: WorkerControl = {
        ready: (owned) => send(owned ? { kind: 'ready', owned } : { kind: 'ready' }),
        go,
        stop,
        reportProgress: (progress) => {
          clearInterval(progressTimer);
          progressTimer = setInterval(
            () => send({ kind: 'progress', ...progress() }),
            PROGRESS_INTERVAL_MS,
          );
        },
        peakRssMb,
        runCpuMs,
      };
      role(raw.task, control).then(
        (result) => finish({ kind: 'result', result }, 0),
        (error: unknown) =>
          finish(
            {
              kind: 'failed',
              message: error instanceof Error ? (error.stack ?? error.message) : String(error),
            },
            1,
          ),
      );
    }
  });
  // The parent went away (bench interrupted): nothing left to report to.
  process.on('disconnect', () => process.exit(1));
}

/** Runs a system's append of the produce task, timed by wall clock and by this process's CPU. */
export async function timedProduce(
  task: ProduceTask,
  control: WorkerControl,
  append: () => Promise<unknown>,
): Promise<ProduceResult> {
  const cpuAtStart = process.cpuUsage();
  const start = performance.now();
  await append();
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    role: 'produce',
    events: task.events,
    elapsedMs: performance.now() - start,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMb: control.peakRssMb(),
  };
}
