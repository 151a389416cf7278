export {
  type ClusterNodeView,
  clientPause,
  clusterTopology,
  keySlot,
  killMasterAndAwaitFailover,
  masterForKey,
  parseClusterNodesReply,
  serverCommand,
} from './cluster-topology.js';
export { hasDockerEngine } from './docker-engine.js';
export {
  NotOwnedError,
  ProcessExitedError,
  RedisUnavailableError,
  TestkitError,
  WaitTimeoutError,
} from './errors.js';
export { getFreePort } from './free-port.js';
export { HOW_TO_GET_REDIS } from './how-to-get-redis.js';
export {
  type ClusterNode,
  type LaunchClusterOptions,
  type LaunchedCluster,
  launchRedisCluster,
  parseClusterNodes,
} from './launch-cluster.js';
export {
  type LaunchedRedis,
  type LaunchRedisOptions,
  launchRedis,
  type RedisSource,
} from './launch-redis.js';
export {
  cleanupStaleNamespaces,
  NETNS_PREFIX,
  type NetnsSupport,
  NetworkNamespace,
  netnsSupport,
} from './network-namespace.js';
export { type PingResult, pingRedis } from './ping.js';
export { redactRedisUrl } from './redact-url.js';
export {
  type Persistence,
  type RedisServerOptions,
  RedisServerProcess,
} from './redis-server-process.js';
export { findServerBinary, type ServerBinary } from './server-binary.js';
export { type ExitStatus, ServiceProcess, type SpawnServiceOptions } from './service-process.js';
export { uniqueName } from './unique-name.js';
export { sleep, type WaitForOptions, waitFor } from './wait-for.js';
