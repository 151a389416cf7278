import { startDashboard } from '@redstream/dashboard';
import {
  redisConnectionOptions,
  registerHealthRoutes,
  runService,
  type ServiceContext,
} from '@redstream/service-kit';
import { createStreamClient } from '@redstream/stream-client';
import { Registry } from 'prom-client';
import { type DashboardConfig, loadDashboardConfig } from './config.js';

/**
 * The dashboard as its own deployable: the same server as `redstream dashboard`, configured
 * from env, with the services' /healthz, /readyz and /metrics beside it.
 */
async function startDashboardService(context: ServiceContext<DashboardConfig>): Promise<void> {
  const { config, logger, onStop } = context;
  const client = await createStreamClient({
    ...redisConnectionOptions(config.redis),
    logger,
    clientName: 'dashboard',
  });
  onStop(() => client.close());
  const dashboard = await startDashboard({
    client,
    host: config.host,
    port: config.port,
    adminToken: config.adminToken,
    logger,
    ...(config.topics ? { topics: config.topics } : {}),
    configure: (app) =>
      registerHealthRoutes(app, {
        health: () => ({ status: 'ok', actionsEnabled: config.adminToken !== undefined }),
        notReady: () => (context.shuttingDown ? 'draining' : undefined),
        redis: client.redis,
        metrics: new Registry(),
      }),
  });
  onStop(() => dashboard.close());
  logger.info({ url: dashboard.url }, 'dashboard listening');
}

void runService({
  name: 'dashboard',
  loadConfig: loadDashboardConfig,
  describe: (config) => ({
    topics: config.topics ?? 'all',
    port: config.port,
    actionsEnabled: config.adminToken !== undefined,
  }),
  start: startDashboardService,
});
