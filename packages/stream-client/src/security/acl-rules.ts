import { RedisKeys } from '../keys.js';
import { assertName } from '../names.js';

export interface AclRulesOptions {
  role: 'producer' | 'consumer';
  topic: string;
  /** Required for consumers: the group whose keys the user may touch. */
  group?: string;
  /** Key prefix the clients use (default `rs`). */
  prefix?: string;
}

const CONNECTION = [
  '+hello',
  '+auth',
  '+ping',
  '+client|setname',
  '+client|id',
  '+info',
  '+select',
];
const SCRIPTS = ['+evalsha', '+eval', '+script|load', '+script|exists'];

/**
 * ACL rules (arguments of `ACL SETUSER <name> on ><password> ...`) for a least-privilege user:
 * - producer: read the topic's metadata (and create it), append to the topic's partition
 *   streams, keep idempotency markers and rate-limit buckets. No reads of events, no deletes.
 * - consumer: everything one group needs on one topic: read, ack, claim and inspect the
 *   partition streams through the group, the group's leases, members, dedupe markers, retry
 *   stream and BullMQ retry queue, handler state, and appending to dead letters. It cannot
 *   append to the partition streams, delete keys, or touch another group's keys.
 * Dangerous commands are split into selectors (Redis 7): XADD only on dead letters and retries,
 * SET/DEL only on leases and markers. Commands a script runs are checked against these rules
 * too, so the Lua steps stay confined.
 */
export function aclRules({ role, topic, group, prefix = 'rs' }: AclRulesOptions): string[] {
  assertName('topic', topic);
  const keys = new RedisKeys(prefix);
  const partitionKey = (suffix: string) => `~{${prefix}:${topic}:*}:${suffix}`;
  const base = ['resetkeys', 'resetchannels', '-@all', ...CONNECTION, ...SCRIPTS];
  if (role === 'producer') {
    return [
      ...base,
      '+hgetall',
      '+hsetnx',
      '+hset',
      '+sadd',
      '+xadd',
      '+time',
      // Large events are appended in a transaction (producer.ts, appendDirect).
      '+multi',
      '+exec',
      `~${keys.topicMeta(topic)}`,
      `~${keys.topics()}`,
      partitionKey('stream'),
      // A script's declared keys must all be allowed together, so the markers are listed here
      // too; the string commands that write them only in the selector below (SET on a stream
      // key would replace it).
      partitionKey('pub:*'),
      `(+get +set ${partitionKey('pub:*')})`,
      // The ingest gateway's per-key rate limits (takeTokens-1.lua): a hash it reads, writes
      // and lets expire; PEXPIRE only there, where losing a key only refills a bucket.
      `~${keys.rateLimitBuckets()}`,
      '+hmget',
      `(+pexpire ~${keys.rateLimitBuckets()})`,
    ];
  }
  if (!group) throw new Error('aclRules: a consumer needs its group');
  assertName('group', group);
  const bullQueue = `~${keys.bullPrefix()}:${keys.retryQueueName(topic, group)}:*`;
  return [
    ...base,
    '+time',
    '+hgetall',
    '+hsetnx',
    '+hset',
    '+sadd',
    '+xreadgroup',
    '+xread',
    '+xack',
    '+xautoclaim',
    '+xclaim',
    '+xpending',
    '+xinfo|groups',
    '+xinfo|consumers',
    '+xgroup|create',
    '+xgroup|createconsumer',
    '+xgroup|delconsumer',
    '+xrange',
    // ordering key reads new entries with WATCH on the lease and XREADGROUP in MULTI/EXEC.
    '+watch',
    '+unwatch',
    '+multi',
    '+exec',
    '+discard',
    '+zadd',
    '+zrem',
    '+zrange',
    '+zremrangebyscore',
    '+zscore',
    `~${keys.topicMeta(topic)}`,
    `~${keys.groups(topic)}`,
    `~${keys.members(topic, group)}`,
    `~${keys.membersPulse(topic, group)}`,
    `~${keys.topics()}`,
    partitionKey('stream'),
    partitionKey(`retry:${group}`),
    partitionKey(`done:${group}`),
    // Keys the Lua steps declare next to the stream must be allowed together with it; the
    // commands that write them come from the selectors below.
    partitionKey(`lease:${group}`),
    partitionKey(`epoch:${group}`),
    partitionKey(`runs:${group}`),
    partitionKey('dlq'),
    partitionKey('state:*'),
    // String commands only on the group's leases: SET or DEL on a stream key would destroy it.
    `(+get +set +del +pexpire +incr ${partitionKey(`lease:${group}`)} ${partitionKey(`epoch:${group}`)})`,
    // The membership registry's pulse (ordering key): read and written by the heartbeat.
    `(+hget +hmget ~${keys.membersPulse(topic, group)})`,
    // Handler runs counted per entry (ordering key), deleted with the ack.
    `(+hset +hdel +hget ${partitionKey(`runs:${group}`)})`,
    // Dead letters and retries are the only streams this user may append to.
    `(+xadd ${partitionKey('dlq')} ${partitionKey(`retry:${group}`)})`,
    // Appending a retry trims what the group has acked from its retry stream.
    `(+xtrim ${partitionKey(`retry:${group}`)})`,
    // Handler state written through ctx.effects.
    `(+@read +@write -@dangerous -@admin ${partitionKey('state:*')})`,
    // The group's BullMQ retry queue (BullMQ runs its own scripts there).
    `(+@read +@write +@scripting +@blocking +@keyspace -@dangerous -@admin ${bullQueue})`,
  ];
}
