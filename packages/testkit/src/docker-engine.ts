import { existsSync } from 'node:fs';

/**
 * True when a Docker engine answers, so testcontainers can start containers. Cheap checks
 * first (no socket, no DOCKER_HOST: no engine) because importing and probing testcontainers
 * costs hundreds of milliseconds, and a client-only `docker` binary does not count.
 */
export async function hasDockerEngine(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 3000,
): Promise<boolean> {
  if (env.REDSTREAM_NO_DOCKER === '1') return false;
  if (!env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const probe = getContainerRuntimeClient().then(() => true);
    const timeout = new Promise<boolean>((resolve) =>
      setTimeout(() => resolve(false), timeoutMs).unref(),
    );
    return await Promise.race([probe, timeout]);
  } catch {
    return false;
  }
}
