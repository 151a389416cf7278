export type { Codec, CodecOptions, DecodedEvent, EventInput } from '@redstream/codec';
export type { DeadLetter, DeadLetterQuery, RedriveOptions } from './admin/dead-letters.js';
export type { ConsumerInfo, GroupLag, PartitionLag } from './admin/group-lag.js';
export type { GroupPositionChange } from './admin/group-position.js';
export type { ReplayOptions, ReplayPlan } from './admin/replay.js';
export {
  type PartitionDescription,
  StreamAdmin,
  type TopicDescription,
} from './admin/stream-admin.js';
export type {
  PartitionGroupSnapshot,
  PartitionSnapshot,
  TopicSnapshot,
} from './admin/topic-snapshot.js';
export type { PartitionTrim, TrimOptions } from './admin/trim.js';
export { isConnectionError } from './connection/connection-errors.js';
export type {
  ClusterNodeAddress,
  ConnectionOptions,
  TlsOptions,
} from './connection/connection-options.js';
export { redactRedisUrl } from './connection/redact-url.js';
export type { RedisClient } from './connection/redis-connection.js';
export type { ServerFeatures } from './connection/server-features.js';
export type { BatchHandler, BatchOptions, EventBatch } from './consumer/batch-collector.js';
export { EFFECT_COMMAND_NAMES, type EffectArg, Effects } from './consumer/effects.js';
export type { HandlerContext } from './consumer/handler-context.js';
export type { HandlerMap, TypedHandlers } from './consumer/handler-routing.js';
export type { ConsumerEventName, ConsumerEvents, Listener } from './consumer/instrumentation.js';
export {
  applyMiddleware,
  type Middleware,
  type ThrottleOptions,
  throttle,
  timeout,
} from './consumer/middleware.js';
export type { AssignmentInput, Assignor } from './consumer/ordered/assignor.js';
export { StickyAssignor } from './consumer/ordered/assignor.js';
export type { DeadLetterReason } from './consumer/settlement/settlement.js';
export type {
  CommonSubscribeOptions,
  EventHandler,
  HandlerOptions,
  OrderedSubscribeOptions,
  StartPosition,
  SubscribeOptions,
  UnorderedSubscribeOptions,
} from './consumer/subscribe-options.js';
export { Subscription } from './consumer/subscription.js';
export {
  ClosedError,
  ConnectionError,
  EffectsFailedError,
  EvictionPolicyError,
  FencedError,
  GroupNotFoundError,
  HandlerTimeoutError,
  InvalidEffectError,
  InvalidEventError,
  InvalidNameError,
  InvalidOptionError,
  NonRetriableError,
  PartitionMismatchError,
  StreamClientError,
  TopicNotFoundError,
  UnroutableEventError,
  UnsupportedServerError,
} from './errors.js';
export { RedisKeys } from './keys.js';
export { murmur2, partitionFor, partitionOfKey } from './partitioner.js';
export type { ScheduledPublish } from './producer/delayed-delivery.js';
export {
  Producer,
  type ProducerOptions,
  type PublishOptions,
  type PublishResult,
} from './producer/producer.js';
export {
  type BucketState,
  type RateDecision,
  RateLimiter,
  type RateLimitOptions,
} from './rate-limit/rate-limiter.js';
export { type AclRulesOptions, aclRules } from './security/acl-rules.js';
export { createStreamClient, StreamClient, type StreamClientOptions } from './stream-client.js';
export type { RetentionPolicy, TopicConfig, TopicInfo } from './topics/topic-registry.js';
