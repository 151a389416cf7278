import { setTimeout as sleep } from 'node:timers/promises';
import { startDashboard } from '@redstream/dashboard';
import {
  createOrderRegistry,
  type DemoCounters,
  newRunId,
  readDemoReport,
} from '@redstream/orders-demo';
import {
  createStreamClient,
  PartitionMismatchError,
  type StreamClient,
  type StreamClientOptions,
} from '@redstream/stream-client';
import type { ServiceProcess } from '@redstream/testkit';
import type { TextSink } from '../cli-io.js';
import { ConsumerReplica } from './consumer-replica.js';
import { DemoError } from './demo-error.js';
import { completionTimeoutMs, DEMO_GROUP, DEMO_TOPIC, type DemoOptions } from './demo-options.js';
import { type DemoRedis, provideRedis } from './demo-redis.js';
import { type DemoSummary, type KillRecord, summarize } from './demo-summary.js';
import { pickRandom, planKills } from './kill-plan.js';
import { ProgressReporter } from './progress-line.js';
import { spawnService } from './service-launcher.js';

export interface DemoIo {
  stderr: TextSink;
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C: the demo stops its processes (and its Redis) and ends. */
  signal: AbortSignal;
}

const TICK_MS = 250;
const LAG_EVERY_MS = 1000;
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 15_000;
/** After handled == published: how long to wait for the group to show nothing pending. */
const SETTLE_TIMEOUT_MS = 5000;

/**
 * Replica settings for the demo: shorter than the service defaults so a killed replica's
 * partitions come back quickly, still far above what a busy 2-core machine needs.
 */
const CONSUMER_TUNING = {
  SESSION_TIMEOUT_MS: '6000',
  HEARTBEAT_INTERVAL_MS: '500',
  CLAIM_IDLE_MS: '5000',
  SHUTDOWN_GRACE_MS: '12000',
  CONCURRENCY: '16',
};

/**
 * One demo run: Redis (own or given), the topic, C consumer replicas and the producer in
 * generator mode as child processes, live progress, the planned kills and replacements,
 * then a graceful stop and the report from the handler's counters in Redis.
 */
export async function runDemo(options: DemoOptions, io: DemoIo): Promise<DemoSummary> {
  const started = Date.now();
  const runId = newRunId(started);
  const say = (line: string) => io.stderr.write(`${line}\n`);
  say(
    `redstream demo: run ${runId}, ${options.events} events over ${options.keys} keys, ${options.consumers} consumers, ` +
      `${options.partitions} partitions, ordering ${options.ordering}${options.kill ? `, ${options.kill} kill(s)` : ''}`,
  );
  const redis = await provideRedis(options.cluster, io.env);
  say(`redis: ${redis.display}${redis.owned ? ' (stopped at the end)' : ' (data is left there)'}`);

  const replicas: ConsumerReplica[] = [];
  let producer: ServiceProcess | undefined;
  let client: StreamClient | undefined;
  let dashboard: DemoDashboard | undefined;
  try {
    client = await createStreamClient({
      ...redis.connection,
      clientName: 'demo',
      codec: { contentType: 'msgpack', registry: createOrderRegistry() },
    });
    await ensureDemoTopic(client, options.partitions, redis);
    if (options.dashboardPort !== undefined) {
      dashboard = await startDemoDashboard(redis.connection, options.dashboardPort);
      say(`dashboard: ${dashboard.url} (live, read-only)`);
    }
    // New groups start at this run's beginning (server clock, minus a margin): entries of
    // earlier runs are not this run's work. An existing group keeps its position, and the
    // replicas skip other runs' entries by run id.
    const [seconds] = await client.redis.time();
    const startFrom = String(Number(seconds) * 1000 - 1000);

    const common = {
      ...redis.childEnv,
      TOPIC: DEMO_TOPIC,
      PARTITIONS: String(options.partitions),
      RUN_ID: runId,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
    };
    const consumerEnv = {
      ...common,
      ...CONSUMER_TUNING,
      GROUP: DEMO_GROUP,
      ORDERING: options.ordering,
      START_FROM: startFrom,
    };
    for (let i = 1; i <= options.consumers; i++)
      replicas.push(new ConsumerReplica(`consumer-${i}`, consumerEnv));
    await withAbort(
      Promise.all(replicas.map((replica) => replica.start(READY_TIMEOUT_MS))),
      io.signal,
    ).catch((error: unknown) => {
      throw new DemoError(`a consumer replica did not start: ${(error as Error).message}`, {
        cause: error,
      });
    });
    say(`consumers ready: ${replicas.map((replica) => replica.name).join(', ')}`);

    const production = { published: 0, finished: false };
    producer = spawnService(
      'producer',
      'producer',
      {
        ...common,
        MODE: 'generator',
        GENERATOR_EVENTS: String(options.events),
        GENERATOR_KEYS: String(options.keys),
        GENERATOR_RATE: '0',
        EXIT_WHEN_DONE: 'true',
      },
      (line) => trackProduction(line, production),
    );

    const outcome = await watchRun({
      options,
      io,
      client,
      runId,
      replicas,
      producer,
      production,
      started,
    });

    // Graceful stop: each replica drains, acks and releases its leases, and must exit 0.
    const warnings = [...outcome.warnings];
    const statuses = await Promise.all(replicas.map((replica) => replica.stop(STOP_GRACE_MS)));
    statuses.forEach((status, i) => {
      if (status && (status.code !== 0 || status.signal !== null))
        warnings.push(
          `${replicas[i]!.name} did not shut down cleanly (${status.signal ?? `exit code ${status.code}`})`,
        );
    });
    for (const replica of replicas)
      for (const crash of replica.crashes)
        warnings.push(
          `${replica.name} exited unexpectedly (${crash.signal ?? `exit code ${crash.code}`})`,
        );
    const counters = await readDemoReport(client, { topic: DEMO_TOPIC, runId });
    return summarize({
      options,
      runId,
      topic: DEMO_TOPIC,
      group: DEMO_GROUP,
      published: production.published,
      counters,
      replicaNames: replicas.map((replica) => replica.name),
      kills: outcome.kills,
      problems: outcome.problems,
      warnings,
      redis: redis.display,
      redisOwned: redis.owned,
      durationMs: Date.now() - started,
    });
  } finally {
    await Promise.all([
      producer?.stop(5000),
      ...replicas.map((replica) => replica.stop(5000).catch(() => undefined)),
    ]).catch(() => {});
    await dashboard?.close().catch(() => {});
    await client?.close().catch(() => {});
    await redis.stop().catch(() => {});
  }
}

interface WatchInput {
  options: DemoOptions;
  io: DemoIo;
  client: StreamClient;
  runId: string;
  replicas: ConsumerReplica[];
  producer: ServiceProcess;
  production: { published: number; finished: boolean };
  started: number;
}

/** Follows the run until every published event is handled (or the timeout), killing as planned. */
async function watchRun(input: WatchInput): Promise<{
  kills: KillRecord[];
  problems: string[];
  warnings: string[];
}> {
  const { options, io, client, runId, replicas, producer, production, started } = input;
  const progress = new ProgressReporter(io.stderr, io.stderrIsTTY);
  const plan = planKills(options.kill, options.events);
  const kills: KillRecord[] = [];
  const replacements: Promise<void>[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  const deadline = started + completionTimeoutMs(options.events);
  let counters: DemoCounters | undefined;
  let lag: number | undefined;
  let lagReadAt = 0;

  const draw = (force = false) =>
    progress.update(
      {
        elapsedMs: Date.now() - started,
        published: production.published,
        total: options.events,
        producerDone: production.finished,
        handled: counters?.handled ?? 0,
        lag,
        replicas: replicas.map((replica) => ({
          name: replica.name,
          handled: counters?.perConsumer[replica.name] ?? 0,
          state: replica.state,
        })),
      },
      force,
    );

  for (;;) {
    if (io.signal.aborted) {
      progress.endLine();
      throw new DemoError('interrupted: stopped the producer, the consumers and the demo Redis');
    }
    counters = await readDemoReport(client, { topic: DEMO_TOPIC, runId });
    if (Date.now() - lagReadAt >= LAG_EVERY_MS) {
      lagReadAt = Date.now();
      lag = await client.admin
        .groupLag(DEMO_TOPIC, DEMO_GROUP)
        .then((result) => result.totals.lag + result.totals.pending)
        .catch(() => lag);
    }

    while (plan.length > 0 && counters.handled >= plan[0]!.atHandled) {
      const victim = pickRandom(replicas.filter((replica) => replica.state === 'running'));
      if (!victim) break; // every replica is being replaced: kill at the next tick
      const { replaceAfterMs } = plan.shift()!;
      const record: KillRecord = {
        consumer: victim.name,
        atHandled: counters.handled,
        downMs: null,
      };
      kills.push(record);
      const killedAt = Date.now();
      victim.kill();
      progress.note(
        `killed ${victim.name} (SIGKILL) at ${counters.handled} handled; replacing it in ${replaceAfterMs} ms`,
      );
      replacements.push(
        victim.replace(replaceAfterMs, READY_TIMEOUT_MS).then(
          () => {
            record.downMs = Date.now() - killedAt;
            progress.note(`${victim.name} replaced (ready after ${record.downMs} ms)`);
          },
          (error: unknown) => {
            warnings.push(`the replacement of ${victim.name} failed: ${(error as Error).message}`);
          },
        ),
      );
    }
    draw();

    if (!producer.running && !production.finished) {
      const status = await producer.exited;
      problems.push(
        `the producer exited (${status.signal ?? `code ${status.code}`}) before publishing everything:\n${producer.tail(15)}`,
      );
      break;
    }
    const allHandled = production.finished && counters.handled >= production.published;
    if (allHandled && plan.length === 0) {
      await Promise.all(replacements);
      await settle(client);
      counters = await readDemoReport(client, { topic: DEMO_TOPIC, runId });
      break;
    }
    if (Date.now() > deadline) {
      problems.push(
        `timed out after ${Math.round((Date.now() - started) / 1000)} s waiting for every event to be handled`,
      );
      break;
    }
    await sleep(TICK_MS);
  }
  draw(true);
  progress.endLine();
  return { kills, problems, warnings };
}

/** Waits (briefly) until the group has nothing undelivered or unacked left. */
async function settle(client: StreamClient): Promise<void> {
  const until = Date.now() + SETTLE_TIMEOUT_MS;
  while (Date.now() < until) {
    const lag = await client.admin.groupLag(DEMO_TOPIC, DEMO_GROUP).catch(() => undefined);
    if (lag && lag.totals.lag + lag.totals.pending === 0) return;
    await sleep(TICK_MS);
  }
}

async function ensureDemoTopic(
  client: StreamClient,
  partitions: number,
  redis: DemoRedis,
): Promise<void> {
  try {
    await client.ensureTopic(DEMO_TOPIC, { partitions });
  } catch (error) {
    if (error instanceof PartitionMismatchError)
      throw new DemoError(
        `topic ${DEMO_TOPIC} on ${redis.display} already has ${error.stored} partitions: run with --partitions ${error.stored}, or use another Redis`,
        { cause: error },
      );
    throw error;
  }
}

/** Reads the producer's JSON log lines for the published count. */
function trackProduction(line: string, production: { published: number; finished: boolean }): void {
  if (!line.includes('"msg":"generator')) return;
  try {
    const entry = JSON.parse(line) as { msg?: string; published?: number; completed?: boolean };
    if (typeof entry.published === 'number') production.published = entry.published;
    if (entry.msg === 'generator finished' && entry.completed) production.finished = true;
  } catch {
    // not a log line
  }
}

function withAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new DemoError('interrupted'));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new DemoError('interrupted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

interface DemoDashboard {
  url: string;
  close(): Promise<void>;
}

/**
 * The dashboard on its own connection and without an admin token: it only reads, so the run
 * and its report are the same with or without it.
 */
async function startDemoDashboard(
  connection: StreamClientOptions,
  port: number,
): Promise<DemoDashboard> {
  const client = await createStreamClient({ ...connection, clientName: 'demo-dashboard' });
  try {
    const dashboard = await startDashboard({ client, port, topics: [DEMO_TOPIC] });
    return {
      url: dashboard.url,
      async close() {
        await dashboard.close();
        await client.close();
      },
    };
  } catch (error) {
    await client.close().catch(() => {});
    throw new DemoError(
      `the dashboard did not start on port ${port}: ${(error as Error).message} (another one running? try --dashboard 0)`,
      { cause: error },
    );
  }
}
