import { EnvReader, readRedisSettings, type ServiceConfig } from '@redstream/service-kit';

export interface DashboardConfig extends ServiceConfig {
  /** Topics to watch; undefined: every topic (found again every 10 s). */
  topics: string[] | undefined;
  host: string;
  port: number;
  /** Enables redrive for requests that present it; undefined: read-only. */
  adminToken: string | undefined;
}

/** Short tokens can be guessed over the network: an admin token is at least this long. */
const MIN_TOKEN_LENGTH = 16;
const NAME = /^[A-Za-z0-9._-]{1,200}$/;

/** Parses and validates the environment once; throws a ConfigError naming every bad variable. */
export function loadDashboardConfig(env: NodeJS.ProcessEnv): DashboardConfig {
  const read = new EnvReader(env);
  const topicList = read.raw('TOPIC');
  const topics = topicList?.split(',').map((topic) => topic.trim());
  if (topics?.some((topic) => !NAME.test(topic)))
    read.problem('TOPIC', 'topic names (A-Z a-z 0-9 . _ -) separated by commas', topicList ?? '');
  const adminToken = read.raw('DASHBOARD_ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < MIN_TOKEN_LENGTH)
    // Never echo the secret itself.
    read.problem(
      'DASHBOARD_ADMIN_TOKEN',
      `at least ${MIN_TOKEN_LENGTH} characters (openssl rand -hex 16)`,
      `${adminToken.length} characters`,
    );
  const config: DashboardConfig = {
    redis: readRedisSettings(read),
    topics,
    host: read.string('HOST', '0.0.0.0'),
    port: read.integer('PORT', 8090, { min: 0, max: 65535 }),
    logLevel: read.logLevel('LOG_LEVEL', 'info'),
    adminToken,
  };
  read.finish();
  return config;
}
