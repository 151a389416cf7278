import { findServerBinary, type LaunchedRedis, launchRedis } from '@redstream/testkit';
import { Redis } from 'ioredis';

export interface BenchRedis {
  url: string;
  host: string;
  port: number;
  version: string;
  /** Where the server came from: a binary on PATH, or a container. */
  source: string;
  /** A plain connection for setup between runs (flush, renames). */
  admin: Redis;
  /** Empties the server so runs never see each other's keys. */
  flush(): Promise<void>;
  /** CPU seconds (user + system) the server has used so far, from INFO CPU. */
  cpuSeconds(): Promise<number>;
  /** MULTI/EXEC of RENAMEs: every staged stream goes live in one step. */
  renameAll(renames: ReadonlyArray<readonly [string, string]>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a private Redis for the run: persistence off, a free port, never a shared server
 * (REDIS_URL is ignored). A redis-server binary on PATH is preferred over a container, whose
 * port forwarding would add its own cost to every round trip.
 */
export async function startBenchRedis(): Promise<BenchRedis> {
  const env = findServerBinary() ? { ...process.env, REDSTREAM_NO_DOCKER: '1' } : process.env;
  const launched: LaunchedRedis = await launchRedis({ own: true, persistence: 'none', env });
  const parsed = new URL(launched.url);
  const admin = new Redis(launched.url, { connectionName: 'bench:admin' });
  try {
    const info = await admin.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    return {
      url: launched.url,
      host: parsed.hostname,
      port: Number(parsed.port),
      version,
      source: launched.source,
      admin,
      flush: async () => {
        await admin.flushall();
      },
      cpuSeconds: async () => parseCpuSeconds(await admin.info('cpu')),
      renameAll: async (renames) => {
        if (renames.length === 0) return;
        const multi = admin.multi();
        for (const [from, to] of renames) multi.rename(from, to);
        const replies = (await multi.exec()) ?? [];
        for (const [error] of replies) if (error) throw error;
      },
      stop: async () => {
        admin.disconnect();
        await launched.stop();
      },
    };
  } catch (error) {
    admin.disconnect();
    await launched.stop();
    throw error;
  }
}

/** used_cpu_user + used_cpu_sys of an INFO CPU reply. */
export function parseCpuSeconds(info: string): number {
  const user = /used_cpu_user:([\d.]+)/.exec(info)?.[1];
  const system = /used_cpu_sys:([\d.]+)/.exec(info)?.[1];
  return Number(user ?? Number.NaN) + Number(system ?? Number.NaN);
}
