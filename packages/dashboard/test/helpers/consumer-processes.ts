import { fileURLToPath } from 'node:url';
import { ServiceProcess } from '@redstream/testkit';

const fixture = fileURLToPath(new URL('../fixtures/ordered-consumer.ts', import.meta.url));
/** tsx resolves from the working directory: this package's, wherever vitest was started. */
const packageDir = fileURLToPath(new URL('../../', import.meta.url));

/** Real consumer replicas (test/fixtures/ordered-consumer.ts), each its own process. */
export class ConsumerProcesses {
  private readonly started: ServiceProcess[] = [];

  async start(name: string, env: Record<string, string>): Promise<ServiceProcess> {
    const child = ServiceProcess.spawn(
      process.execPath,
      ['--conditions=@redstream/source', '--import', 'tsx', fixture],
      { name, cwd: packageDir, env: { ...env, CONSUMER_NAME: name } },
    );
    this.started.push(child);
    await child.waitForLine(/^ready$/, 30_000);
    return child;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.started.map((child) => child.stop(5000)));
  }
}
