import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceProcess } from '@redstream/testkit';

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

/** Starts the consumer-worker fixture as a child process and waits until it is subscribed. */
export async function startWorker(env: WorkerEnv): Promise<ServiceProcess> {
  const worker = ServiceProcess.spawn(
    process.execPath,
    ['--conditions=@redstream/source', '--import', 'tsx', 'test/fixtures/consumer-worker.ts'],
    { cwd: packageDir, env: env as NodeJS.ProcessEnv, name: env.CONSUMER },
  );
  await worker.waitForLine(/"event":"ready"/, 30_000);
  return worker;
}
