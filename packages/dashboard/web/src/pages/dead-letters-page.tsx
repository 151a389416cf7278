import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { DeadLetterSummary } from '../../../src/dashboard-view.js';
import { listDeadLetters, redrive } from '../api.js';
import { AdminTokenField } from '../components/redrive-controls.js';
import { Ago } from '../components/values.js';
import { actionsEnabled, snapshot } from '../dashboard-state.js';
import { formatCount } from '../format.js';
import { href } from '../router.js';

const rows = signal<DeadLetterSummary[] | undefined>(undefined);
const loadError = signal('');
const groupFilter = signal('');
const reasonFilter = signal('');
const typeFilter = signal('');
export const actionMessage = signal('');

async function reload(topic: string): Promise<void> {
  try {
    rows.value = (await listDeadLetters(topic, groupFilter.value)).deadLetters;
    loadError.value = '';
  } catch (error) {
    loadError.value = (error as Error).message;
  }
}

/** Redrives and says what happened in the status line; reloads the list after. */
export async function runRedrive(
  topic: string,
  selection: Parameters<typeof redrive>[1],
  after: () => Promise<void> = () => reload(topic),
): Promise<void> {
  actionMessage.value = 'Redriving…';
  try {
    const { moved, skipped } = await redrive(topic, selection);
    actionMessage.value = `Redriven: ${moved} moved back to their partitions${skipped ? `, ${skipped} already gone` : ''}.`;
  } catch (error) {
    actionMessage.value = `Redrive refused: ${(error as Error).message}`;
  }
  await after();
}

export function DeadLettersPage({ topic }: { topic: string }) {
  const total = snapshot.value?.topics.find((t) => t.name === topic)?.deadLetters;
  // Reload when the topic's dead-letter count changes (new failures, a redrive elsewhere).
  useEffect(() => {
    void reload(topic);
  }, [topic, total]);
  const matches = (row: DeadLetterSummary) =>
    (!reasonFilter.value || row.reason === reasonFilter.value) &&
    (!typeFilter.value || row.eventType === typeFilter.value);
  const shown = rows.value?.filter(matches);
  const filterSelection = {
    ...(groupFilter.value ? { group: groupFilter.value } : {}),
    ...(reasonFilter.value ? { reason: reasonFilter.value } : {}),
    ...(typeFilter.value ? { eventType: typeFilter.value } : {}),
  };
  const filtered = Object.keys(filterSelection).length > 0;
  return (
    <>
      <nav aria-label="breadcrumb" class="crumbs">
        <a href={href()}>Topics</a> / {topic} / dead letters
      </nav>
      <h1>
        Dead letters <span class="muted">of {topic}</span>
      </h1>
      <AdminTokenField />
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          void reload(topic);
        }}
      >
        <label>
          group{' '}
          <input
            value={groupFilter.value}
            onInput={(e) => (groupFilter.value = (e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          reason{' '}
          <input
            value={reasonFilter.value}
            onInput={(e) => (reasonFilter.value = (e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          event type{' '}
          <input
            value={typeFilter.value}
            onInput={(e) => (typeFilter.value = (e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">Apply</button>
        {actionsEnabled.value ? (
          <button
            type="button"
            onClick={() => {
              const what = filtered
                ? 'every dead letter matching the filter'
                : 'every dead letter of this topic';
              if (confirm(`Redrive ${what} to the group that failed it?`))
                void runRedrive(topic, filtered ? filterSelection : { all: true });
            }}
          >
            {filtered ? 'Redrive matching' : 'Redrive all'}
          </button>
        ) : null}
      </form>
      <p role="status" aria-live="polite" class="action-status">
        {actionMessage.value}
      </p>
      {loadError.value ? <p class="error">Could not load dead letters: {loadError.value}</p> : null}
      {shown === undefined ? (
        <p>Loading…</p>
      ) : shown.length === 0 ? (
        <p>No dead letters{filtered ? ' match the filter' : ''}.</p>
      ) : (
        <div class="table-scroll">
          <table class="dead-letters">
            <caption>
              {formatCount(shown.length)} dead letter{shown.length === 1 ? '' : 's'}, oldest first
            </caption>
            <thead>
              <tr>
                <th scope="col">failed</th>
                <th scope="col" class="num">
                  partition
                </th>
                <th scope="col">group</th>
                <th scope="col">reason</th>
                <th scope="col">error</th>
                <th scope="col" class="num">
                  attempts
                </th>
                <th scope="col">event type</th>
                <th scope="col">key</th>
                <th scope="col">
                  <span class="visually-hidden">actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((row) => (
                <tr key={`${row.partition}/${row.id}`} data-dead-letter={row.id}>
                  <td>
                    <Ago at={row.failedAt} />
                  </td>
                  <td class="num">{row.partition}</td>
                  <td>{row.group}</td>
                  <td>{row.reason}</td>
                  <td class="error-text">{row.error}</td>
                  <td class="num">{row.attempts}</td>
                  <td>{row.eventType ?? <span class="muted">undecodable</span>}</td>
                  <td>{row.eventKey ?? '–'}</td>
                  <td class="actions">
                    <a href={href('topics', topic, 'dead-letters', row.partition, row.id)}>show</a>
                    {actionsEnabled.value ? (
                      <button
                        type="button"
                        onClick={() =>
                          void runRedrive(topic, {
                            entries: [{ partition: row.partition, id: row.id }],
                          })
                        }
                      >
                        Redrive<span class="visually-hidden"> {row.id}</span>
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
