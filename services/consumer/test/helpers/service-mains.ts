import { fileURLToPath } from 'node:url';
import { ServiceProcess } from '@redstream/testkit';

const servicesDir = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The services' `src/main.ts` as child processes, run from their TypeScript sources (the
 * workspace libraries through the `@redstream/source` condition), on a free port and at info
 * level unless `env` says otherwise. `stopAll()` SIGTERMs whatever still runs.
 */
export class ServiceMains {
  private readonly started: ServiceProcess[] = [];

  spawn(
    service: 'producer' | 'consumer',
    env: Record<string, string>,
    name: string = service,
  ): ServiceProcess {
    const child = ServiceProcess.spawn(
      process.execPath,
      ['--conditions=@redstream/source', '--import', 'tsx', 'src/main.ts'],
      {
        cwd: `${servicesDir}${service}`,
        env: { LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ...env },
        name,
      },
    );
    this.started.push(child);
    return child;
  }

  async stopAll(graceMs = 5000): Promise<void> {
    await Promise.all(this.started.map((child) => child.stop(graceMs)));
  }
}
