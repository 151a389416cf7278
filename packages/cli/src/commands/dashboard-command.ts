import { startDashboard } from '@redstream/dashboard';
import type { Command } from 'commander';
import { abortableSleep } from '../abortable-sleep.js';
import { addCommonOptions, type CliContext, type CommonFlags } from '../cli-context.js';
import { collectStrings, parseInteger } from '../input/numbers.js';

interface DashboardFlags extends CommonFlags {
  port: string;
  host: string;
  topic?: string[];
  adminToken?: string;
}

export function registerDashboardCommand(program: Command, context: CliContext): void {
  addCommonOptions(
    program
      .command('dashboard')
      .description(
        'live web dashboard: partitions, owners and lease epochs, lag in entries and seconds, rebalances, dead letters (redrive with an admin token)',
      )
      .option('--port <port>', 'HTTP port (0 picks a free one)', '8090')
      .option(
        '--host <address>',
        'address to listen on (0.0.0.0 for every interface; the default keeps it on this machine)',
        '127.0.0.1',
      )
      .option(
        '--topic <name>',
        'watch only this topic (repeat for more; default: every topic, found again every 10 s)',
        collectStrings,
      )
      .option(
        '--admin-token <token>',
        'enables redrive for requests that send it (default: $DASHBOARD_ADMIN_TOKEN; without one the dashboard is read-only)',
      ),
  )
    .addHelpText(
      'after',
      `
Environment:
  REDIS_URL              Redis to watch when --url is not given (default redis://127.0.0.1:6379)
  REDIS_CLUSTER_NODES    Redis Cluster startup nodes when --cluster-nodes is not given
  DASHBOARD_ADMIN_TOKEN  the admin token when --admin-token is not given; prefer it to the flag,
                         which other users of this machine can read in the process list

One snapshot a second: one pipelined round trip per topic. The page updates over server-sent
events and reconnects by itself; lag history (15 minutes) lives in this process's memory.
--json prints {"url": ...} on stdout once listening. Ctrl-C stops.

Examples:
  $ redstream dashboard
  $ DASHBOARD_ADMIN_TOKEN=$(openssl rand -hex 16) redstream dashboard --topic orders --port 8090`,
    )
    .action((flags: DashboardFlags) =>
      context.withClient(flags, async (client) => {
        const adminToken = flags.adminToken ?? (context.io.env.DASHBOARD_ADMIN_TOKEN || undefined);
        const dashboard = await startDashboard({
          client,
          port: parseInteger(flags.port, '--port'),
          host: flags.host,
          adminToken,
          ...(flags.topic ? { topics: flags.topic } : {}),
        });
        if (flags.json) context.json({ url: dashboard.url, actionsEnabled: Boolean(adminToken) });
        else
          context.out(
            `dashboard: ${dashboard.url} (${adminToken ? 'redrive enabled with the admin token' : 'read-only: no admin token'}); Ctrl-C stops\n`,
          );
        while (!context.io.signal.aborted) await abortableSleep(60_000, context.io.signal);
        await dashboard.close();
      }),
    );
}
