import { type Codec, type CodecOptions, createCodec } from '@redstream/codec';
import { type Logger, pino } from 'pino';
import type { Registry } from 'prom-client';
import { StreamAdmin } from './admin/stream-admin.js';
import type { ConnectionOptions } from './connection/connection-options.js';
import { type RedisClient, RedisConnection } from './connection/redis-connection.js';
import { ServerClock } from './connection/server-clock.js';
import { ConsumerMetrics } from './consumer/consumer-metrics.js';
import type { ConsumerRuntime } from './consumer/consumer-runtime.js';
import { Instrumentation } from './consumer/instrumentation.js';
import { OrderedConsumer } from './consumer/ordered/ordered-consumer.js';
import { SharedGroupConsumer } from './consumer/shared-group-consumer.js';
import {
  type ResolvedSubscribeOptions,
  resolveSubscribeOptions,
  type SubscribeOptions,
} from './consumer/subscribe-options.js';
import { Subscription } from './consumer/subscription.js';
import { ClosedError, EvictionPolicyError } from './errors.js';
import { RedisKeys } from './keys.js';
import { DelayedDelivery } from './producer/delayed-delivery.js';
import { Producer, type ProducerOptions } from './producer/producer.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit/rate-limiter.js';
import { LuaScripts } from './scripts/lua-scripts.js';
import { ConsumerTracing } from './telemetry/consumer-tracing.js';
import { type TopicConfig, type TopicInfo, TopicRegistry } from './topics/topic-registry.js';

export interface StreamClientOptions extends ConnectionOptions {
  /** Key prefix of everything this client writes. Default `rs`. */
  prefix?: string;
  /** A codec, or options for the default one (content type, schemas, max payload size). */
  codec?: Codec | CodecOptions;
  logger?: Logger;
  /** prom-client registry for consumer metrics. */
  metricsRegistry?: Registry;
  /**
   * Refuse to start when Redis may evict keys (maxmemory-policy other than noeviction):
   * eviction silently drops stream entries, groups and leases. Default: warn only.
   */
  requireNoEviction?: boolean;
}

/**
 * The entry point: one connection set to Redis (or a Redis Cluster), shared by producers,
 * subscriptions and admin queries of this process.
 */
export class StreamClient {
  readonly topics: TopicRegistry;
  readonly keys: RedisKeys;
  readonly codec: Codec;
  readonly logger: Logger;
  readonly admin: StreamAdmin;
  private readonly scripts: LuaScripts;
  /** Shared by this client's producers: one TIME a minute, not one per producer. */
  private readonly serverClock: ServerClock;
  private readonly subscriptions = new Set<Subscription>();
  private delayedDelivery: DelayedDelivery | undefined;
  private bullClient: Promise<RedisClient> | undefined;
  private closed = false;

  private constructor(
    readonly connection: RedisConnection,
    private readonly options: StreamClientOptions,
  ) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.keys = new RedisKeys(options.prefix ?? 'rs');
    this.codec = isCodec(options.codec) ? options.codec : createCodec(options.codec);
    this.scripts = new LuaScripts(connection.commands);
    this.serverClock = new ServerClock(connection.commands);
    this.topics = new TopicRegistry(connection.commands, this.keys);
    this.admin = new StreamAdmin(
      connection.commands,
      this.scripts,
      this.keys,
      this.topics,
      this.codec,
    );
  }

  static async connect(options: StreamClientOptions = {}): Promise<StreamClient> {
    const connection = await RedisConnection.connect(options);
    const client = new StreamClient(connection, options);
    const policy = connection.features.maxmemoryPolicy;
    if (policy && policy !== 'noeviction') {
      const message = `Redis maxmemory-policy is ${policy}: under memory pressure Redis may evict stream entries, groups and leases; use noeviction`;
      if (options.requireNoEviction) {
        await connection.close();
        throw new EvictionPolicyError(policy, message);
      }
      client.logger.warn({ maxmemoryPolicy: policy }, message);
    }
    return client;
  }

  /** The command connection, for handler reads and admin tooling. */
  get redis(): RedisClient {
    return this.connection.commands;
  }

  ensureTopic(name: string, config: TopicConfig): Promise<TopicInfo> {
    return this.topics.ensureTopic(name, config);
  }

  producer(options: ProducerOptions = {}): Producer {
    this.assertOpen();
    return new Producer(
      this.connection.commands,
      this.keys,
      this.topics,
      this.codec,
      () => this.delayed(),
      options,
      this.logger,
      this.serverClock,
    );
  }

  /** Token-bucket limits kept in Redis, shared by every process on it (see RateLimiter). */
  rateLimiter(options: RateLimitOptions): RateLimiter {
    this.assertOpen();
    return new RateLimiter(this.scripts, this.keys, options);
  }

  /** Appends due delayed events of `topic` from this process (run it in at least one process per topic). */
  runDelayedDelivery(topic: string): Promise<void> {
    return this.delayed().runWorker(topic);
  }

  /**
   * Makes a subscription without starting it: attach listeners, then `await sub.start()`.
   * Options are checked at once (an unknown option or one of the other mode is refused).
   */
  subscription<P = unknown>(options: SubscribeOptions<P>): Subscription {
    this.assertOpen();
    const resolved = resolveSubscribeOptions(options);
    const logger = this.logger.child({
      topic: resolved.topic,
      group: resolved.group,
      consumer: resolved.consumer,
    });
    const instrumentation = new Instrumentation();
    const metrics = new ConsumerMetrics(this.options.metricsRegistry, {
      topic: resolved.topic,
      group: resolved.group,
    });
    const runtime: ConsumerRuntime = {
      connection: this.connection,
      scripts: this.scripts,
      keys: this.keys,
      topics: this.topics,
      codec: this.codec,
      logger,
      ...(this.options.metricsRegistry ? { metricsRegistry: this.options.metricsRegistry } : {}),
      bullConnection: () => this.bullConnection(),
    };
    // Spans for reads and handler runs, from the instrumentation events (src/telemetry).
    const tracing = new ConsumerTracing(resolved, instrumentation);
    const generic = {
      ...resolved,
      handler: tracing.wrap(resolved.handler),
    } as unknown as ResolvedSubscribeOptions<unknown>;
    const mode =
      resolved.ordering === 'key'
        ? new OrderedConsumer(runtime, generic, instrumentation, metrics)
        : new SharedGroupConsumer(runtime, generic, instrumentation, metrics);
    const subscription: Subscription = new Subscription(
      resolved.topic,
      resolved.group,
      resolved.consumer,
      resolved.ordering,
      mode,
      instrumentation,
      metrics,
      {
        onStarted: () => this.subscriptions.add(subscription),
        onClosed: () => this.subscriptions.delete(subscription),
        log: (message) => logger.info({ ordering: resolved.ordering }, message),
      },
    );
    return subscription;
  }

  /** `subscription(options)` and `start()` in one call. */
  async subscribe<P = unknown>(options: SubscribeOptions<P>): Promise<Subscription> {
    const subscription = this.subscription(options);
    await subscription.start();
    return subscription;
  }

  /** Closes subscriptions (draining them), delayed delivery, then the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.delayedDelivery?.close();
    await this.connection.close();
  }

  private delayed(): DelayedDelivery {
    this.delayedDelivery ??= new DelayedDelivery(
      () => this.bullConnection(),
      this.keys,
      (topic, encoded, key) =>
        this.producer({ idempotence: 'always' }).appendEncoded(topic, encoded, key),
      this.logger,
    );
    return this.delayedDelivery;
  }

  private bullConnection(): Promise<RedisClient> {
    // BullMQ runs its own blocking reads and scripts and is built on ioredis's defaults,
    // resending included; redstream's readers fail in-flight commands instead.
    this.bullClient ??= this.connection.createReader('bullmq', { resendOnReconnect: true });
    return this.bullClient;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('stream client');
  }
}

export function createStreamClient(options: StreamClientOptions = {}): Promise<StreamClient> {
  return StreamClient.connect(options);
}

function isCodec(value: unknown): value is Codec {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Codec).encode === 'function' &&
    typeof (value as Codec).decode === 'function'
  );
}
