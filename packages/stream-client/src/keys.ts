import { assertName } from './names.js';

/**
 * The one place that knows the Redis key layout.
 *
 * Everything that must change atomically with an ack lives in the partition's hash tag
 * `{<prefix>:<topic>:<partition>}`: the stream, its dead letters, its group retry stream,
 * the lease and epoch of each group, the effectively-once markers and handler state.
 * Different partitions get different tags, so a Redis Cluster spreads them over its masters.
 * Topic-wide keys (metadata, members) use the tag `{<prefix>:<topic>}`.
 */
export class RedisKeys {
  constructor(readonly prefix = 'rs') {}

  /** Set of all topic names. */
  topics(): string {
    return `${this.prefix}:topics`;
  }

  /** Hash: partitions, retention, createdAt. */
  topicMeta(topic: string): string {
    return `${this.topicTag(topic)}:meta`;
  }

  /** Sorted set of live members of an ordered group: member -> session deadline (ms). */
  members(topic: string, group: string): string {
    return `${this.topicTag(topic)}:group:${assertName('group', group)}:members`;
  }

  /**
   * Hash kept by the ordered group's heartbeat: when the members registry last heard any member
   * (`beat`) and its last lapse (`lapseFrom`, `lapseTo`), server times in ms. Same slot as
   * `members`.
   */
  membersPulse(topic: string, group: string): string {
    return `${this.members(topic, group)}:pulse`;
  }

  /** Set of groups that ever subscribed to the topic (for admin listings). */
  groups(topic: string): string {
    return `${this.topicTag(topic)}:groups`;
  }

  partitionStream(topic: string, partition: number): string {
    return `${this.partitionTag(topic, partition)}:stream`;
  }

  /** Idempotent-publish marker: event id -> entry id, expiring after the window. */
  publishMarker(topic: string, partition: number, eventId: string): string {
    return `${this.partitionTag(topic, partition)}:pub:${eventId}`;
  }

  deadLetters(topic: string, partition: number): string {
    return `${this.partitionTag(topic, partition)}:dlq`;
  }

  /** Stream where a group's retried events come back when their backoff is over. */
  retryStream(topic: string, partition: number, group: string): string {
    return `${this.partitionTag(topic, partition)}:retry:${assertName('group', group)}`;
  }

  /** String `<consumer>|<epoch>` with a TTL: who owns the partition for the group. */
  lease(topic: string, partition: number, group: string): string {
    return `${this.partitionTag(topic, partition)}:lease:${assertName('group', group)}`;
  }

  /** Counter, never deleted, so a fencing epoch only ever grows. */
  leaseEpoch(topic: string, partition: number, group: string): string {
    return `${this.partitionTag(topic, partition)}:epoch:${assertName('group', group)}`;
  }

  /**
   * Hash entry id -> handler runs started (ordering key): a run is counted before its handler
   * starts, the field is deleted with the ack. Takeovers and re-reads never touch it.
   */
  runs(topic: string, partition: number, group: string): string {
    return `${this.partitionTag(topic, partition)}:runs:${assertName('group', group)}`;
  }

  /** The hash tag every key of a partition shares: effect keys must carry it. */
  partitionHashTag(topic: string, partition: number): string {
    return this.partitionTag(topic, partition);
  }

  /** Sorted set of event ids already applied by the group (effectively-once), scored by time. */
  doneMarkers(topic: string, partition: number, group: string): string {
    return `${this.partitionTag(topic, partition)}:done:${assertName('group', group)}`;
  }

  /** A handler-state key in the partition's slot, so it can change atomically with the ack. */
  state(topic: string, partition: number, name: string): string {
    return `${this.partitionTag(topic, partition)}:state:${name}`;
  }

  /**
   * BullMQ prefix; queue names carry their own hash tag, so each queue stays in one slot
   * (BullMQ forbids ':' in queue names, hence the dashes).
   */
  bullPrefix(): string {
    return `${this.prefix}:bull`;
  }

  delayedQueueName(topic: string): string {
    return `{${this.prefix}-${assertName('topic', topic)}}-delayed`;
  }

  retryQueueName(topic: string, group: string): string {
    return `{${this.prefix}-${assertName('topic', topic)}}-retry-${assertName('group', group)}`;
  }

  /**
   * Hash of a rate-limit bucket pair (events, bytes, last update) of `name` (an API key id):
   * one key per script call, so it needs no hash tag of a topic.
   */
  rateLimitBucket(name: string): string {
    return `${this.prefix}:ratelimit:${assertName('rate-limit bucket', name)}`;
  }

  /** Glob of every rate-limit bucket (ACL rules). */
  rateLimitBuckets(): string {
    return `${this.prefix}:ratelimit:*`;
  }

  private topicTag(topic: string): string {
    return `{${this.prefix}:${assertName('topic', topic)}}`;
  }

  private partitionTag(topic: string, partition: number): string {
    return `{${this.prefix}:${assertName('topic', topic)}:${partition}}`;
  }
}
