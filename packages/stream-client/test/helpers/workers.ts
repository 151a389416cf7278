import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NetworkNamespace, ServiceProcess, waitFor } from '@redstream/testkit';
import type { StreamClient } from '../../src/index.js';
import { pendingOf } from './pending.js';
import { sequencedEvents } from './sequenced-events.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface WorkerEnv {
  REDIS_URL?: string;
  CLUSTER_NODES?: string;
  TOPIC: string;
  GROUP: string;
  CONSUMER: string;
  ORDERING?: 'key' | 'none';
  [name: string]: string | undefined;
}

export interface StartWorkerOptions {
  /** Run the replica inside this network namespace (its Redis address must be reachable there). */
  netns?: NetworkNamespace;
  /** Output lines kept; RECORD_RUNS=1 prints two per handler run. Default 200,000. */
  maxLines?: number;
}

/** Starts the consumer-worker fixture as a child process and waits until it is subscribed. */
export async function startWorker(
  env: WorkerEnv,
  { netns, maxLines = 200_000 }: StartWorkerOptions = {},
): Promise<ServiceProcess> {
  const args = [
    '--conditions=@redstream/source',
    '--import',
    'tsx',
    'test/fixtures/consumer-worker.ts',
  ];
  const options = { cwd: packageDir, env: env as NodeJS.ProcessEnv, name: env.CONSUMER, maxLines };
  const worker = netns
    ? netns.spawn(process.execPath, args, options)
    : ServiceProcess.spawn(process.execPath, args, options);
  await worker.waitForLine(/"event":"ready"/, 30_000);
  return worker;
}

/**
 * The crash scenario's first half: a slow 'victim' replica (ordering none, claimIdleMs 1.5 s,
 * claim interval 0.3 s) takes events, and is SIGKILLed once it holds at least 20 pending.
 * Returns the environment survivors should share with it.
 */
export async function killReplicaHoldingPending(scenario: {
  client: StreamClient;
  topic: string;
  partitions: number;
  events: number;
  /** REDIS_URL or CLUSTER_NODES. */
  connection: Pick<WorkerEnv, 'REDIS_URL' | 'CLUSTER_NODES'>;
  /** Every started worker is handed here, so the test's cleanup stops it. */
  track: (worker: ServiceProcess) => void;
}): Promise<{ TOPIC: string; GROUP: string; [name: string]: string | undefined }> {
  const { client, topic, partitions } = scenario;
  const common = {
    ...scenario.connection,
    TOPIC: topic,
    GROUP: 'g',
    CLAIM_IDLE_MS: '1500',
    CLAIM_INTERVAL_MS: '300',
  };
  const victim = await startWorker({
    ...common,
    CONSUMER: 'victim',
    HANDLER_DELAY_MS: '200',
    CONCURRENCY: '20',
  });
  scenario.track(victim);
  await client.producer().publishMany(topic, sequencedEvents(scenario.events, 40));
  await waitFor(async () => (await pendingOf(client, topic, partitions, 'victim')) >= 20, {
    description: 'the victim to hold pending entries',
  });
  victim.signal('SIGKILL');
  await victim.exited;
  return common;
}
