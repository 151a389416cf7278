import type { StreamClient } from '@redstream/stream-client';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { AdminToken } from './admin-token.js';
import { createDashboardApp } from './dashboard-app.js';
import { SnapshotPoller, type SnapshotPollerOptions } from './snapshot-poller.js';

export interface DashboardOptions extends Omit<SnapshotPollerOptions, 'actionsEnabled'> {
  client: StreamClient;
  /** 0 picks a free port. Default 8090. */
  port?: number;
  /** Default 127.0.0.1: the dashboard shows data and, with a token, moves it. */
  host?: string;
  /** Enables redrive for requests that present it; without it the dashboard is read-only. */
  adminToken?: string | undefined;
  logger?: Logger;
  /** Adds routes before the server listens (the service's /healthz, /readyz, /metrics). */
  configure?: (app: FastifyInstance) => void;
}

export interface RunningDashboard {
  /** `http://host:port/` to open. */
  url: string;
  app: FastifyInstance;
  poller: SnapshotPoller;
  close(): Promise<void>;
}

/**
 * What the CLI, the dashboard service and the demo all run: the poller (its first snapshot
 * taken before this resolves) and the HTTP server, listening.
 */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const token = new AdminToken(options.adminToken);
  const poller = new SnapshotPoller(options.client, logger, {
    ...options,
    actionsEnabled: token.enabled,
  });
  await poller.start();
  const app = createDashboardApp({ client: options.client, poller, token, logger });
  options.configure?.(app);
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: options.port ?? 8090 });
  } catch (error) {
    await poller.stop();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}/`,
    app,
    poller,
    async close() {
      await poller.stop();
      await app.close();
    },
  };
}
