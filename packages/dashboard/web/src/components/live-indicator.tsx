import { connection, snapshot } from '../dashboard-state.js';
import { Ago } from './values.js';

const LABELS = { connecting: 'connecting', live: 'live', reconnecting: 'reconnecting' } as const;

/** Whether the page is receiving snapshots; announced to screen readers when it changes. */
export function LiveIndicator() {
  const state = connection.value;
  return (
    <p class={`live live-${state}`} role="status" aria-live="polite" data-connection={state}>
      <span class="live-dot" aria-hidden="true" />
      {LABELS[state]}
      {snapshot.value && state !== 'live' ? (
        <span class="muted">
          {' '}
          · last data <Ago at={snapshot.value.takenAt} />
        </span>
      ) : null}
    </p>
  );
}
