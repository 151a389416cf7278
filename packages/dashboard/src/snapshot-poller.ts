import type { StreamClient, TopicSnapshot } from '@redstream/stream-client';
import type { Logger } from 'pino';
import type {
  ConsumerView,
  DashboardHistory,
  DashboardSnapshot,
  GroupView,
  LagPoint,
  RatePoint,
  TopicView,
} from './dashboard-view.js';
import { RebalanceLog } from './rebalance-log.js';
import { RingBuffer } from './ring-buffer.js';

export interface SnapshotPollerOptions {
  /** Only these topics (default: every topic, listed again every `discoverEveryMs`). */
  topics?: string[];
  /** Time between snapshots (default 1000). */
  intervalMs?: number;
  /** How much lag and rate history to keep in memory (default 15 minutes). */
  historyMs?: number;
  /** How often topics and groups are listed again (default 10 s). */
  discoverEveryMs?: number;
  actionsEnabled: boolean;
}

type Listener = (snapshot: DashboardSnapshot) => void;

/**
 * Takes one snapshot of every watched topic a second (one pipelined round trip per topic,
 * `client.admin.snapshot`), keeps the latest for the snapshot endpoint, hands each to the SSE
 * listeners, and keeps the lag and rate history and the rebalances in bounded memory, so a
 * page opened now shows the last minutes at once.
 */
export class SnapshotPoller {
  private latest: DashboardSnapshot | undefined;
  private previous = new Map<string, TopicSnapshot>();
  private readonly listeners = new Set<Listener>();
  private readonly lagHistory = new Map<string, RingBuffer<LagPoint>>();
  private readonly rateHistory = new Map<string, RingBuffer<RatePoint>>();
  private readonly rebalances = new RebalanceLog();
  private topics: string[] = [];
  private readonly groups = new Map<string, string[]>();
  private discoveredAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly historyPoints: number;
  private readonly discoverEveryMs: number;

  constructor(
    private readonly client: StreamClient,
    private readonly logger: Logger,
    private readonly options: SnapshotPollerOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.historyPoints = Math.ceil((options.historyMs ?? 15 * 60_000) / this.intervalMs);
    this.discoverEveryMs = options.discoverEveryMs ?? 10_000;
  }

  /** Takes the first snapshot, then one every interval until `stop()`. */
  async start(): Promise<void> {
    const started = Date.now();
    await this.tick();
    this.schedule(started);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** The newest snapshot (taken within the last interval). */
  current(): DashboardSnapshot | undefined {
    return this.latest;
  }

  history(): DashboardHistory {
    return {
      lag: Object.fromEntries([...this.lagHistory].map(([id, ring]) => [id, ring.toArray()])),
      rates: Object.fromEntries([...this.rateHistory].map(([id, ring]) => [id, ring.toArray()])),
      rebalances: this.rebalances.list(),
    };
  }

  /** Calls `listener` with every new snapshot; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Keeps to one snapshot per interval: the time a snapshot took comes off the wait. */
  private schedule(startedAt = Date.now()): void {
    if (this.stopped) return;
    const wait = Math.max(0, startedAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      const tickStarted = Date.now();
      this.running = this.tick().finally(() => this.schedule(tickStarted));
    }, wait);
  }

  private async tick(): Promise<void> {
    try {
      await this.discover();
    } catch (error) {
      this.logger.warn({ err: error }, 'dashboard: listing topics and groups failed');
    }
    const errors: DashboardSnapshot['errors'] = [];
    const snapshots = await Promise.all(
      this.topics.map(async (topic) => {
        try {
          return await this.client.admin.snapshot(topic, this.groups.get(topic) ?? []);
        } catch (error) {
          errors.push({ topic, message: (error as Error).message });
          return undefined;
        }
      }),
    );
    const views: TopicView[] = [];
    for (const snapshot of snapshots) {
      if (!snapshot) continue;
      const info = await this.client.topics.requireTopic(snapshot.topic);
      views.push(this.topicView(snapshot, info.retention));
      this.previous.set(snapshot.topic, snapshot);
    }
    if (errors.length > 0) this.logger.debug({ errors }, 'dashboard: topics not read');
    const dashboard: DashboardSnapshot = {
      takenAt: Date.now(),
      actionsEnabled: this.options.actionsEnabled,
      topics: views,
      errors,
    };
    this.latest = dashboard;
    for (const listener of this.listeners) listener(dashboard);
  }

  /**
   * Lists the topics again every `discoverEveryMs`; a topic seen for the first time gets its
   * groups listed once. Later groups come from the snapshots themselves (every group on a
   * stream is in them), so the lists never cost a round trip per partition again.
   */
  private async discover(): Promise<void> {
    if (Date.now() - this.discoveredAt < this.discoverEveryMs) return;
    this.discoveredAt = Date.now();
    this.topics = this.options.topics ?? (await this.client.admin.listTopics());
    for (const topic of this.topics) {
      if (this.groups.has(topic)) continue;
      try {
        this.groups.set(topic, await this.client.admin.listGroups(topic));
      } catch {
        // Not created yet: the snapshot reports it as an error until it is; list it again then.
      }
    }
  }

  private topicView(snapshot: TopicSnapshot, retention: TopicView['retention']): TopicView {
    const previous = this.previous.get(snapshot.topic);
    const seconds = previous ? (snapshot.takenAt - previous.takenAt) / 1000 : 0;
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    const entriesAdded = sum(snapshot.partitions.map((p) => p.entriesAdded));
    const eventsInPerSecond =
      previous && seconds > 0
        ? Math.max(0, entriesAdded - sum(previous.partitions.map((p) => p.entriesAdded))) / seconds
        : null;
    if (eventsInPerSecond !== null)
      this.ring(this.rateHistory, snapshot.topic).push({
        at: snapshot.takenAt,
        eventsInPerSecond,
      });
    const groupNames = [
      ...new Set(snapshot.partitions.flatMap((p) => p.groups.map((g) => g.group))),
    ].sort();
    const known = this.groups.get(snapshot.topic) ?? [];
    // A group the lease and retry reads were not asked for: from the next snapshot on, they are.
    const added = groupNames.filter((group) => !known.includes(group));
    if (added.length > 0) this.groups.set(snapshot.topic, [...known, ...added]);
    const groups = groupNames.map((group) => this.groupView(snapshot, previous, seconds, group));
    return {
      name: snapshot.topic,
      partitionCount: snapshot.partitions.length,
      retention,
      length: sum(snapshot.partitions.map((p) => p.length)),
      entriesAdded,
      deadLetters: sum(snapshot.partitions.map((p) => p.deadLetters)),
      eventsInPerSecond,
      partitions: snapshot.partitions.map(({ groups: _groups, ...partition }) => partition),
      groups,
    };
  }

  private groupView(
    snapshot: TopicSnapshot,
    previous: TopicSnapshot | undefined,
    seconds: number,
    group: string,
  ): GroupView {
    const rows = snapshot.partitions.flatMap((p) => p.groups.filter((g) => g.group === group));
    const read = (rowsOf: typeof rows) =>
      rowsOf.reduce((total, row) => total + (row.entriesRead ?? 0), 0);
    const before = previous?.partitions.flatMap((p) => p.groups.filter((g) => g.group === group));
    const eventsOutPerSecond =
      before && seconds > 0 ? Math.max(0, read(rows) - read(before)) / seconds : null;
    const totals = {
      lag: rows.reduce((total, row) => total + row.lag, 0),
      pending: rows.reduce((total, row) => total + row.pending, 0),
      retryPending: rows.reduce((total, row) => total + row.retryPending, 0),
      maxLagSeconds: rows.reduce((max, row) => Math.max(max, row.lagSeconds), 0),
    };
    this.ring(this.lagHistory, `${snapshot.topic}/${group}`).push({
      at: snapshot.takenAt,
      lag: totals.lag,
      lagSeconds: totals.maxLagSeconds,
      pending: totals.pending,
    });
    this.rebalances.observe(snapshot.topic, group, snapshot.takenAt, rows);
    return {
      name: group,
      eventsOutPerSecond,
      totals,
      partitions: rows,
      consumers: consumerViews(rows),
      members: Object.keys(snapshot.members[group] ?? {}).sort(),
    };
  }

  private ring<T>(map: Map<string, RingBuffer<T>>, id: string): RingBuffer<T> {
    let ring = map.get(id);
    if (!ring) {
      ring = new RingBuffer<T>(this.historyPoints);
      map.set(id, ring);
    }
    return ring;
  }
}

function consumerViews(rows: TopicSnapshot['partitions'][number]['groups']): ConsumerView[] {
  const byName = new Map<string, ConsumerView>();
  const view = (name: string) => {
    let consumer = byName.get(name);
    if (!consumer) {
      consumer = {
        name,
        ownedPartitions: [],
        readPartitions: [],
        pending: 0,
        idleMs: null,
      };
      byName.set(name, consumer);
    }
    return consumer;
  };
  for (const row of rows) {
    if (row.owner) view(row.owner).ownedPartitions.push(row.partition);
    for (const consumer of row.consumers) {
      const entry = view(consumer.name);
      entry.readPartitions.push(row.partition);
      entry.pending += consumer.pending;
      entry.idleMs = Math.min(entry.idleMs ?? Number.POSITIVE_INFINITY, consumer.idleMs);
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
