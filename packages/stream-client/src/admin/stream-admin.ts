import type { Codec } from '@redstream/codec';
import type { RedisClient } from '../connection/redis-connection.js';
import type { StartPosition } from '../consumer/subscribe-options.js';
import { InvalidOptionError, TopicNotFoundError } from '../errors.js';
import type { RedisKeys } from '../keys.js';
import { assertName } from '../names.js';
import { partitionOfKey } from '../partitioner.js';
import type { LuaScripts } from '../scripts/lua-scripts.js';
import type { TopicInfo, TopicRegistry } from '../topics/topic-registry.js';
import {
  type DeadLetter,
  type DeadLetterQuery,
  DeadLetterStore,
  type RedriveOptions,
} from './dead-letters.js';
import { type GroupLag, groupLag } from './group-lag.js';
import { createGroup, type GroupPositionChange, seekGroup } from './group-position.js';
import { planReplay, type ReplayOptions, type ReplayPlan, replay } from './replay.js';
import { pairsToRecord } from './reply-parsing.js';
import { type TopicSnapshot, topicSnapshot } from './topic-snapshot.js';
import { type PartitionTrim, type TrimOptions, trimTopic } from './trim.js';

export interface PartitionDescription {
  partition: number;
  length: number;
  firstId: string | null;
  lastId: string | null;
  deadLetters: number;
}

export interface TopicDescription extends TopicInfo {
  groups: string[];
  partitionDetails: PartitionDescription[];
  totalLength: number;
  totalDeadLetters: number;
}

/** The operator's queries and actions: what the CLI and the services' metrics are built on. */
export class StreamAdmin {
  private readonly deadLetters: DeadLetterStore;

  constructor(
    private readonly redis: RedisClient,
    scripts: LuaScripts,
    private readonly keys: RedisKeys,
    private readonly topics: TopicRegistry,
    codec: Codec,
  ) {
    this.deadLetters = new DeadLetterStore(redis, scripts, keys, codec);
  }

  listTopics(): Promise<string[]> {
    return this.topics.listTopics();
  }

  async describeTopic(topic: string): Promise<TopicDescription> {
    const info = await this.topics.requireTopic(topic);
    const deadLetters = await this.deadLetters.count(topic, info.partitions);
    const partitionDetails = await Promise.all(
      Array.from({ length: info.partitions }, async (_, partition) => {
        const stream = this.keys.partitionStream(topic, partition);
        const [length, first, last] = await Promise.all([
          this.redis.xlen(stream),
          this.redis.xrange(stream, '-', '+', 'COUNT', 1),
          this.redis.xrevrange(stream, '+', '-', 'COUNT', 1),
        ]);
        return {
          partition,
          length,
          firstId: first[0]?.[0] ?? null,
          lastId: last[0]?.[0] ?? null,
          deadLetters: deadLetters[partition] ?? 0,
        };
      }),
    );
    return {
      ...info,
      groups: await this.listGroups(topic),
      partitionDetails,
      totalLength: partitionDetails.reduce((sum, row) => sum + row.length, 0),
      totalDeadLetters: deadLetters.reduce((sum, count) => sum + count, 0),
    };
  }

  /** Groups that subscribed through redstream or exist on any partition stream. */
  async listGroups(topic: string): Promise<string[]> {
    const info = await this.topics.requireTopic(topic);
    const names = new Set(await this.redis.smembers(this.keys.groups(topic)));
    for (let partition = 0; partition < info.partitions; partition++) {
      try {
        const rows = (await this.redis.xinfo(
          'GROUPS',
          this.keys.partitionStream(topic, partition),
        )) as unknown[];
        for (const row of rows) names.add(String(pairsToRecord(row).name));
      } catch {
        // The stream does not exist yet.
      }
    }
    return [...names].sort();
  }

  async groupLag(topic: string, group: string): Promise<GroupLag> {
    const info = await this.topics.requireTopic(topic);
    return groupLag(this.redis, this.keys, topic, group, info.partitions);
  }

  /**
   * Every partition and group of a topic in one pipelined round trip (for dashboards that
   * poll each second). Lease and retry backlog are read for `groups` (default: every group
   * redstream knows for the topic, which costs extra round trips to list).
   */
  async snapshot(topic: string, groups?: string[]): Promise<TopicSnapshot> {
    const info = await this.topics.requireTopic(topic);
    return topicSnapshot(this.redis, this.keys, info, groups ?? (await this.listGroups(topic)));
  }

  async listDeadLetters(topic: string, query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const info = await this.topics.requireTopic(topic);
    return this.deadLetters.list(topic, info.partitions, query);
  }

  /** One dead letter by partition and id (the id a listing shows); undefined when gone. */
  async getDeadLetter(
    topic: string,
    partition: number,
    id: string,
  ): Promise<DeadLetter | undefined> {
    const info = await this.topics.requireTopic(topic);
    if (!Number.isInteger(partition) || partition < 0 || partition >= info.partitions)
      throw new InvalidOptionError('partition', `0 to ${info.partitions - 1}`, partition);
    if (!/^\d+-\d+$/.test(id))
      throw new InvalidOptionError('id', 'a stream entry id like 1700000000000-0', id);
    return this.deadLetters.get(topic, partition, id);
  }

  async redriveDeadLetters(topic: string, options: RedriveOptions = {}) {
    const info = await this.topics.requireTopic(topic);
    return this.deadLetters.redrive(topic, info.partitions, options);
  }

  async purgeDeadLetters(topic: string, query: DeadLetterQuery = {}): Promise<number> {
    const info = await this.topics.requireTopic(topic);
    return this.deadLetters.purge(topic, info.partitions, query);
  }

  async planReplay(topic: string, options: ReplayOptions): Promise<ReplayPlan> {
    const info = await this.topics.requireTopic(topic);
    return planReplay(this.redis, this.keys, topic, info.partitions, options);
  }

  async replay(topic: string, group: string, options: ReplayOptions): Promise<ReplayPlan> {
    const info = await this.topics.requireTopic(topic);
    await this.redis.sadd(this.keys.groups(topic), group);
    return replay(this.redis, this.keys, topic, group, info.partitions, options);
  }

  /**
   * Creates a group on every partition at `position` without consuming (KafkaJS's
   * `admin.setOffsets` for a new group); where it exists it keeps its position.
   */
  async createGroup(
    topic: string,
    group: string,
    position: StartPosition = 'beginning',
  ): Promise<GroupPositionChange[]> {
    const info = await this.topics.requireTopic(topic);
    assertName('group', group);
    return createGroup(this.redis, this.keys, topic, group, info.partitions, position);
  }

  /**
   * Moves a group to a position (an id, a time of append, 'beginning' or 'end') on every
   * partition, or those given, while its consumers run: they go on from there at their next
   * read, in order. See docs/ordering.md for what happens to entries in flight.
   */
  async seek(
    topic: string,
    group: string,
    position: StartPosition,
    options: { partitions?: readonly number[] } = {},
  ): Promise<GroupPositionChange[]> {
    const info = await this.topics.requireTopic(topic);
    return seekGroup(
      this.redis,
      this.keys,
      topic,
      group,
      info.partitions,
      position,
      options.partitions,
    );
  }

  /**
   * The key a handler's `ctx.stateKey(name)` names, for an event with `key` (or on
   * `partition`): read handler state from outside a handler. Keyless events hash their event
   * id, so give `{ partition }` (the handler's `ctx.partition`) for those.
   */
  async stateKey(
    topic: string,
    where: { key: string } | { partition: number },
    name: string,
  ): Promise<string> {
    const info = await this.topics.requireTopic(topic);
    const partition = 'key' in where ? partitionOfKey(where.key, info.partitions) : where.partition;
    if (!Number.isInteger(partition) || partition < 0 || partition >= info.partitions)
      throw new InvalidOptionError('partition', `0 to ${info.partitions - 1}`, partition);
    return this.keys.state(topic, partition, name);
  }

  /**
   * Trims every partition of a topic. The bound is `maxLen` and/or `olderThanMs` when given,
   * else the topic's stored retention (`maxLen`, `maxAgeMs`); a topic with neither is refused
   * (InvalidOptionError) rather than trimmed to "everything acked". `safe` (default: the
   * retention's) lowers the bound so no entry some group has not received and acked is removed.
   */
  async trim(
    topic: string,
    options: TrimOptions & { onProgress?: (done: number, total: number) => void },
  ): Promise<PartitionTrim[]> {
    // Fresh: another process may have changed the retention since this one cached it.
    const info = await this.topics.getTopic(topic, { fresh: true });
    if (!info) throw new TopicNotFoundError(topic);
    const retention = info.retention;
    const safe = options.safe ?? retention.safe ?? false;
    validateBound('maxLen', options.maxLen);
    validateBound('olderThanMs', options.olderThanMs);
    const explicit = options.maxLen !== undefined || options.olderThanMs !== undefined;
    const maxLen = explicit ? options.maxLen : retention.maxLen;
    const olderThanMs = explicit ? options.olderThanMs : retention.maxAgeMs;
    if (maxLen === undefined && olderThanMs === undefined) {
      throw new InvalidOptionError(
        'maxLen or olderThanMs',
        `a bound to trim by (topic ${topic} stores no retention maxLen or maxAgeMs to default to)`,
        { safe },
      );
    }
    return trimTopic(
      this.redis,
      this.keys,
      topic,
      info.partitions,
      {
        safe,
        ...(maxLen !== undefined ? { maxLen } : {}),
        ...(olderThanMs !== undefined ? { olderThanMs } : {}),
      },
      options.onProgress,
    );
  }
}

function validateBound(option: 'maxLen' | 'olderThanMs', value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < 0 || (option === 'maxLen' && !Number.isInteger(value)))
    throw new InvalidOptionError(
      option,
      option === 'maxLen' ? 'an integer >= 0' : 'a number of milliseconds >= 0',
      value,
    );
}
