import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceProcess } from '@redstream/testkit';
import { DemoError } from './demo-error.js';

export type ServiceName = 'producer' | 'consumer';

/**
 * The built entry point of a service (`services/<name>/dist/main.js`), found from this file's
 * place in the workspace: `pnpm demo` builds everything first, so the demo runs exactly what
 * the Dockerfiles ship.
 */
export function serviceEntry(service: ServiceName): string {
  const root = workspaceRoot();
  const entry = join(root, 'services', service, 'dist', 'main.js');
  if (!existsSync(entry))
    throw new DemoError(
      `${entry} does not exist: build first (\`pnpm demo\` runs \`turbo run build\` before the demo)`,
    );
  return entry;
}

function workspaceRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new DemoError(
        'cannot find the redstream workspace (pnpm-workspace.yaml) above the CLI',
      );
    dir = parent;
  }
}

/**
 * Starts one service process with `env` on top of the demo's environment. With
 * REDSTREAM_DEMO_LOGS=<dir> its output also goes to `<dir>/<name>.log` (appended, so a
 * replacement's lines follow the killed process's).
 */
export function spawnService(
  service: ServiceName,
  name: string,
  env: Record<string, string>,
  onLine?: (line: string) => void,
): ServiceProcess {
  const logDir = process.env.REDSTREAM_DEMO_LOGS;
  let logFile: ReturnType<typeof createWriteStream> | undefined;
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    logFile = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  }
  const child = ServiceProcess.spawn(process.execPath, [serviceEntry(service)], {
    name,
    env,
    maxLines: 500,
    onLine: (line) => {
      logFile?.write(`${line}\n`);
      onLine?.(line);
    },
  });
  if (logFile) void child.exited.then(() => logFile.end());
  return child;
}
