import { signal } from '@preact/signals';

export type Route =
  | { page: 'topics' }
  | { page: 'group'; topic: string; group: string }
  | { page: 'dead-letters'; topic: string }
  | { page: 'dead-letter'; topic: string; partition: number; id: string };

/** Routes live in the hash (#/topics/orders/groups/workers), so the server serves one page. */
export function parseRoute(hash: string): Route {
  let parts: string[];
  try {
    parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    // A malformed hash (a stray %) is no route: show the topics instead of a blank page.
    return { page: 'topics' };
  }
  if (parts[0] === 'topics' && parts[1]) {
    if (parts[2] === 'groups' && parts[3])
      return { page: 'group', topic: parts[1], group: parts[3] };
    if (parts[2] === 'dead-letters' && parts[3] && parts[4])
      return { page: 'dead-letter', topic: parts[1], partition: Number(parts[3]), id: parts[4] };
    if (parts[2] === 'dead-letters') return { page: 'dead-letters', topic: parts[1] };
  }
  return { page: 'topics' };
}

export function href(...parts: Array<string | number>): string {
  return `#/${parts.map((part) => encodeURIComponent(String(part))).join('/')}`;
}

export const route = signal<Route>(parseRoute(location.hash));
window.addEventListener('hashchange', () => {
  route.value = parseRoute(location.hash);
});
