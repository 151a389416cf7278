import { now } from '../dashboard-state.js';
import { formatAbsolute, formatAgo } from '../format.js';

/** A relative time ("12 s ago") with the absolute time on hover and for screen readers. */
export function Ago({ at }: { at: number | null }) {
  if (at === null) return <span>–</span>;
  const absolute = formatAbsolute(at);
  return (
    <time dateTime={new Date(at).toISOString()} title={absolute}>
      {formatAgo(at, now.value)}
    </time>
  );
}
