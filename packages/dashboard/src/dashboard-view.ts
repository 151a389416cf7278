import type { PartitionGroupSnapshot, RetentionPolicy } from '@redstream/stream-client';

/**
 * The JSON the dashboard serves: the snapshot endpoint and each SSE message carry a
 * `DashboardSnapshot`, `/api/history` the lag history and rebalances. The web app imports
 * these types, so server and page cannot drift apart.
 */
export interface DashboardSnapshot {
  takenAt: number;
  /** False when the server has no admin token: redrive is refused and the page says so. */
  actionsEnabled: boolean;
  topics: TopicView[];
  /** Topics the last snapshot could not read, with why (a vanished topic, a Redis error). */
  errors: Array<{ topic: string; message: string }>;
}

export interface TopicView {
  name: string;
  partitionCount: number;
  retention: RetentionPolicy;
  /** Entries in the partition streams now. */
  length: number;
  /** Entries ever appended. */
  entriesAdded: number;
  deadLetters: number;
  /** Appends per second over the last snapshot interval (null on the first snapshot). */
  eventsInPerSecond: number | null;
  partitions: PartitionView[];
  groups: GroupView[];
}

export interface PartitionView {
  partition: number;
  length: number;
  entriesAdded: number;
  firstId: string | null;
  lastId: string | null;
  deadLetters: number;
}

export interface GroupView {
  name: string;
  /** Entries the group read per second over the last interval (null until two snapshots). */
  eventsOutPerSecond: number | null;
  totals: { lag: number; pending: number; maxLagSeconds: number; retryPending: number };
  partitions: PartitionGroupSnapshot[];
  consumers: ConsumerView[];
  /** Live members of an ordered group (empty for ordering none). */
  members: string[];
}

export interface ConsumerView {
  name: string;
  /** Partitions whose lease this consumer holds (ordering key). */
  ownedPartitions: number[];
  /** Partitions on which it has read entries. */
  readPartitions: number[];
  pending: number;
  /** Least idle time over its partitions: how long since it last read (null: it has not read). */
  idleMs: number | null;
}

export interface LagPoint {
  at: number;
  lag: number;
  lagSeconds: number;
  pending: number;
}

export interface RatePoint {
  at: number;
  eventsInPerSecond: number;
}

export interface PartitionMove {
  partition: number;
  from: string | null;
  to: string | null;
  epoch: number | null;
}

export interface Rebalance {
  topic: string;
  group: string;
  /** When the first move of this rebalance was seen. */
  at: number;
  /** When the last move was seen (moves a few seconds apart count as one rebalance). */
  until: number;
  /** Owners of the group's partitions once it settled. */
  members: string[];
  moved: PartitionMove[];
}

export interface DashboardHistory {
  /** `<topic>/<group>` -> lag samples, oldest first, one a snapshot. */
  lag: Record<string, LagPoint[]>;
  /** topic -> append rate samples. */
  rates: Record<string, RatePoint[]>;
  rebalances: Rebalance[];
}

export interface DeadLetterSummary {
  partition: number;
  id: string;
  group: string;
  consumer: string;
  reason: string;
  error: string;
  attempts: number;
  failedAt: number;
  originId: string;
  eventType: string | null;
  eventKey: string | null;
}

export interface DeadLetterDetail extends DeadLetterSummary {
  /** The decoded event, payload included (null when the envelope does not decode). */
  event: unknown;
  /** The stored envelope fields: UTF-8 text where valid, else hex. */
  envelope: Array<{ text: string } | { hex: string }>;
}

export interface RedriveRequest {
  /** Every dead letter of the topic (must be said, so an empty request moves nothing). */
  all?: boolean;
  /** Exactly these dead letters... */
  entries?: Array<{ partition: number; id: string }>;
  /** ...or every one matching all of these that are given. */
  group?: string;
  reason?: string;
  eventType?: string;
}

export interface RedriveResult {
  moved: number;
  skipped: number;
}
