import { performance } from 'node:perf_hooks';
import { benchPlan, SHARED_SETTINGS } from '../bench-plan.js';
import { commandRates } from '../bench-redis.js';
import type { BenchRow } from '../report/bench-row.js';
import { balancedAssignment, waitFor } from '../runner/consume-run.js';
import { processCpuMs } from '../runner/process-cpu.js';
import type { ConsumeResult } from '../runner/protocol.js';
import { WorkerProcess } from '../runner/worker-process.js';
import type { BenchContext } from './bench-context.js';
import { CONSUME_KEY } from './consume.js';

const TOPIC = 'replicas';
const GROUP = 'replicas-group';
/** The library's defaults (ordering key, idle reads): what an idle deployment pays. */
const HEARTBEAT_INTERVAL_MS = 1000;
const SESSION_TIMEOUT_MS = 10_000;
const BLOCK_MS = 2000;
/** Two heartbeats after the assignment settles before the idle window opens. */
const SETTLE_MS = 2 * HEARTBEAT_INTERVAL_MS;
const SETTLE_TIMEOUT_MS = 180_000;

/** What one replica count measured; the row is computed from it (see `replicasRow`). */
export interface ReplicasMeasurement {
  replicas: number;
  partitions: number;
  idleMs: number;
  /** Redis CPU seconds, replica processes' CPU ms and Redis commands over the idle window. */
  redisCpuSeconds: number;
  clientCpuMs: number;
  redisCalls: number;
  /** Calls per second by command over the idle window. */
  commandsPerSec: Record<string, number>;
  /** Spawn -> balanced; last replica subscribed -> balanced; one closed -> balanced again. */
  assignMs: number;
  rebalanceMs: number;
  handoverMs: number | null;
  peakRssMb: number;
}

/**
 * replicas: 1, 8 and 32 idle replica processes (separate processes, library defaults:
 * heartbeat every second, 10 s session) in one ordered group over 64 partitions, no events.
 * Measured: how long until every partition has an owner and each replica its share (from
 * spawn, and from the last replica subscribed), Redis CPU and commands per second over an
 * idle window (heartbeats, lease renewals, the idle blocking reads), and how long the others
 * take to own the partitions of a replica that closes (a graceful leave).
 */
export async function replicasScenario(context: BenchContext): Promise<BenchRow[]> {
  const { counts, partitions, idleMs } = context.plan.replicas;
  const rows: BenchRow[] = [];
  for (const replicas of counts) {
    const measured = await measureReplicas(context, replicas, partitions, idleMs);
    const row = replicasRow(measured);
    if (context.plan.mode === 'quick') {
      const full = benchPlan(false).replicas;
      row.notes = [
        `quick run: ${counts.join('/')} replicas, ${idleMs / 1000} s idle (full run: ${full.counts.join('/')}, ${full.idleMs / 1000} s)`,
      ];
    }
    context.progress.log(
      `replicas ${replicas}: Redis ${row.redisCpuMsPerSec!.toFixed(2)} ms CPU/s, ${row.redisCallsPerSec!.toFixed(0)} commands/s, replicas ${row.clientCpuMsPerSec!.toFixed(1)} ms CPU/s; assigned ${measured.assignMs.toFixed(0)} ms after spawn (${measured.rebalanceMs.toFixed(0)} ms after the last subscribed), handover ${measured.handoverMs === null ? '-' : `${measured.handoverMs.toFixed(0)} ms`}`,
    );
    rows.push(row);
  }
  return rows;
}

/** The row of one replica count: per-second rates of the idle window, the rebalance times. */
export function replicasRow(m: ReplicasMeasurement): BenchRow {
  const seconds = m.idleMs / 1000;
  return {
    scenario: 'replicas',
    system: 'redstream',
    events: 0,
    eventsPerSec: null,
    p50Ms: null,
    p99Ms: null,
    peakRssMb: m.peakRssMb,
    variant: `key, ${m.replicas} idle replica${m.replicas === 1 ? '' : 's'}, ${m.partitions} partitions`,
    ordering: 'key',
    consumers: m.replicas,
    replicas: m.replicas,
    partitions: m.partitions,
    redisCpuMsPerSec: (m.redisCpuSeconds * 1000) / seconds,
    clientCpuMsPerSec: m.clientCpuMs / seconds,
    redisCallsPerSec: m.redisCalls / seconds,
    redisCommandsPerSec: m.commandsPerSec,
    assignMs: m.assignMs,
    rebalanceMs: m.rebalanceMs,
    ...(m.handoverMs !== null ? { handoverMs: m.handoverMs } : {}),
    rounds: 1,
    samples: [],
  };
}

async function measureReplicas(
  context: BenchContext,
  replicas: number,
  partitions: number,
  idleMs: number,
): Promise<ReplicasMeasurement> {
  const { redis, progress } = context;
  await redis.flush();
  const spawnedAt = performance.now();
  let lastReadyAt = spawnedAt;
  const owned = new Array<number[] | undefined>(replicas).fill(undefined);
  const workers = Array.from({ length: replicas }, (_, index) => {
    const worker = WorkerProcess.start(
      'redstream',
      {
        role: 'consume',
        url: redis.url,
        topic: TOPIC,
        group: GROUP,
        consumer: `replica-${index + 1}`,
        partitions,
        ordering: 'key',
        readBatch: SHARED_SETTINGS.readBatch,
        concurrency: SHARED_SETTINGS.concurrency,
        maxInFlight: CONSUME_KEY.maxInFlight,
        blockMs: BLOCK_MS,
        heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
      },
      { label: `replicas ${replicas} replica-${index + 1}`, profileDir: context.profileDir },
    );
    worker.onProgress((message) => {
      owned[index] = message.owned;
    });
    void worker.waitReady(SETTLE_TIMEOUT_MS).then(
      () => {
        lastReadyAt = Math.max(lastReadyAt, performance.now());
      },
      () => {},
    );
    return worker;
  });
  try {
    await waitFor(
      () => balancedAssignment(owned, partitions),
      SETTLE_TIMEOUT_MS,
      `${replicas} replicas sharing ${partitions} partitions`,
    );
    const balancedAt = performance.now();
    progress.log(
      `replicas ${replicas}: balanced ${(balancedAt - spawnedAt).toFixed(0)} ms after spawn; idle for ${idleMs} ms after ${SETTLE_MS} ms`,
    );
    // Readers of newly owned partitions are still connecting for a moment: not idle yet.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

    const redisCpuBefore = await redis.cpuSeconds();
    const callsBefore = await commandsProcessed(context);
    const byCommandBefore = await redis.commandCalls();
    const clientBefore = workers.reduce((sum, worker) => sum + processCpuMs(worker.pid), 0);
    const windowStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const clientCpuMs =
      workers.reduce((sum, worker) => sum + processCpuMs(worker.pid), 0) - clientBefore;
    const redisCpuSeconds = (await redis.cpuSeconds()) - redisCpuBefore;
    const redisCalls = (await commandsProcessed(context)) - callsBefore;
    const windowMs = performance.now() - windowStart;
    const commandsPerSec = commandRates(
      byCommandBefore,
      await redis.commandCalls(),
      windowMs / 1000,
    );

    let handoverMs: number | null = null;
    if (replicas > 1) {
      const leaving = workers[replicas - 1]!;
      const closedAt = performance.now();
      leaving.send({ kind: 'stop' });
      await waitFor(
        () => balancedAssignment(owned.slice(0, replicas - 1), partitions),
        SETTLE_TIMEOUT_MS,
        `${replicas - 1} replicas owning the partitions of the one that closed`,
      );
      handoverMs = performance.now() - closedAt;
    }
    for (const worker of workers) worker.send({ kind: 'stop' });
    const results = await Promise.all(
      workers.map((worker) => worker.result<ConsumeResult>(SETTLE_TIMEOUT_MS)),
    );
    await Promise.all(workers.map((worker) => worker.exit()));
    return {
      replicas,
      partitions,
      idleMs: windowMs,
      redisCpuSeconds,
      clientCpuMs,
      redisCalls,
      commandsPerSec,
      assignMs: balancedAt - spawnedAt,
      rebalanceMs: Math.max(0, balancedAt - lastReadyAt),
      handoverMs,
      peakRssMb: Math.max(...results.map((result) => result.peakRssMb)),
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.kill()));
  }
}

/** Commands the server has processed so far (INFO stats); the bench's own few included. */
async function commandsProcessed(context: BenchContext): Promise<number> {
  const info = await context.redis.admin.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}
