export { ConfigError } from './config-error.js';
export {
  EnvReader,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
} from './env-reader.js';
export { type HealthRoutesOptions, registerHealthRoutes } from './health-routes.js';
export { createHttpApp, type HttpAppOptions } from './http-app.js';
export {
  DEFAULT_REDIS_URL,
  describeRedisTarget,
  type RedisSettings,
  readRedisSettings,
  redisConnectionOptions,
} from './redis-settings.js';
export {
  DEFAULT_SHUTDOWN_GRACE_MS,
  runService,
  type ServiceConfig,
  type ServiceContext,
  type ServiceDefinition,
  type ServiceHost,
  type ServiceRun,
  type StopStep,
} from './run-service.js';
export { createServiceLogger, type ServiceLoggerOptions } from './service-logger.js';
