import { computed, signal } from '@preact/signals';
import type {
  DashboardHistory,
  DashboardSnapshot,
  LagPoint,
  RatePoint,
  Rebalance,
} from '../../src/dashboard-view.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

/** The newest snapshot the server sent. */
export const snapshot = signal<DashboardSnapshot | undefined>(undefined);
export const connection = signal<ConnectionState>('connecting');
export const lagHistory = signal<Record<string, LagPoint[]>>({});
export const rateHistory = signal<Record<string, RatePoint[]>>({});
export const rebalances = signal<Rebalance[]>([]);
/** Ticks every second so relative times ("12 s ago") move on between snapshots. */
export const now = signal(Date.now());
export const actionsEnabled = computed(() => snapshot.value?.actionsEnabled ?? false);

/** What the server keeps (15 min at one point a second); the page keeps no more. */
const MAX_POINTS = 900;

/**
 * Opens the event stream. EventSource reconnects by itself after a drop (the server says
 * how soon, 2 s); each (re)connect first loads the history the server kept, so a page that
 * was away for a server restart shows the trend again at once.
 */
export function connect(): () => void {
  const source = new EventSource('api/events');
  let lastTakenAt = 0;
  source.onopen = () => {
    void loadHistory();
  };
  source.onerror = () => {
    connection.value = 'reconnecting';
  };
  source.onmessage = (message) => {
    const next = JSON.parse(message.data) as DashboardSnapshot;
    connection.value = 'live';
    snapshot.value = next;
    if (next.takenAt > lastTakenAt) {
      lastTakenAt = next.takenAt;
      appendPoints(next);
    }
  };
  const clock = setInterval(() => {
    now.value = Date.now();
  }, 1000);
  return () => {
    source.close();
    clearInterval(clock);
  };
}

async function loadHistory(): Promise<void> {
  const response = await fetch('api/history');
  if (!response.ok) return;
  const history = (await response.json()) as DashboardHistory;
  lagHistory.value = history.lag;
  rateHistory.value = history.rates;
  rebalances.value = history.rebalances;
}

function appendPoints(next: DashboardSnapshot): void {
  const lag = { ...lagHistory.value };
  const rates = { ...rateHistory.value };
  for (const topic of next.topics) {
    if (topic.eventsInPerSecond !== null)
      rates[topic.name] = append(rates[topic.name], {
        at: next.takenAt,
        eventsInPerSecond: topic.eventsInPerSecond,
      });
    for (const group of topic.groups) {
      const id = `${topic.name}/${group.name}`;
      lag[id] = append(lag[id], {
        at: next.takenAt,
        lag: group.totals.lag,
        lagSeconds: group.totals.maxLagSeconds,
        pending: group.totals.pending,
      });
    }
  }
  lagHistory.value = lag;
  rateHistory.value = rates;
  // Rebalances are derived on the server (it sees every snapshot, this page may not).
  void refreshRebalancesIfOwnersMoved(next);
}

let ownersSeen = '';

async function refreshRebalancesIfOwnersMoved(next: DashboardSnapshot): Promise<void> {
  const owners = next.topics
    .flatMap((topic) =>
      topic.groups.flatMap((group) => group.partitions.map((row) => `${row.owner}|${row.epoch}`)),
    )
    .join(',');
  if (owners === ownersSeen) return;
  ownersSeen = owners;
  const response = await fetch('api/history');
  if (response.ok) rebalances.value = ((await response.json()) as DashboardHistory).rebalances;
}

function append<T extends { at: number }>(points: T[] | undefined, point: T): T[] {
  const list = points ? [...points] : [];
  if (list.length > 0 && list[list.length - 1]!.at >= point.at) return list;
  list.push(point);
  return list.length > MAX_POINTS ? list.slice(list.length - MAX_POINTS) : list;
}

/** The admin token typed into this tab (kept for the tab's life only). */
export const adminToken = signal(sessionStorage.getItem('redstream-admin-token') ?? '');
adminToken.subscribe((value) => sessionStorage.setItem('redstream-admin-token', value));
