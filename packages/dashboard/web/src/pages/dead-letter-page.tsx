import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { DeadLetterDetail } from '../../../src/dashboard-view.js';
import { showDeadLetter } from '../api.js';
import { AdminTokenField } from '../components/redrive-controls.js';
import { Ago } from '../components/values.js';
import { actionsEnabled } from '../dashboard-state.js';
import { href } from '../router.js';
import { actionMessage, runRedrive } from './dead-letters-page.js';

const detail = signal<DeadLetterDetail | undefined>(undefined);
const problem = signal('');

export function DeadLetterPage({
  topic,
  partition,
  id,
}: {
  topic: string;
  partition: number;
  id: string;
}) {
  const load = async () => {
    try {
      detail.value = await showDeadLetter(topic, partition, id);
      problem.value = '';
    } catch (error) {
      detail.value = undefined;
      problem.value = (error as Error).message;
    }
  };
  useEffect(() => {
    actionMessage.value = '';
    void load();
  }, [topic, partition, id]);
  const entry = detail.value;
  return (
    <>
      <nav aria-label="breadcrumb" class="crumbs">
        <a href={href()}>Topics</a> / {topic} /{' '}
        <a href={href('topics', topic, 'dead-letters')}>dead letters</a> / {id}
      </nav>
      <h1>Dead letter {id}</h1>
      <AdminTokenField />
      <p role="status" aria-live="polite" class="action-status">
        {actionMessage.value}
      </p>
      {problem.value ? <p class="error">{problem.value}</p> : null}
      {entry ? (
        <>
          <dl class="fields">
            <dt>partition</dt>
            <dd>{entry.partition}</dd>
            <dt>group</dt>
            <dd>{entry.group}</dd>
            <dt>consumer</dt>
            <dd>{entry.consumer}</dd>
            <dt>reason</dt>
            <dd>{entry.reason}</dd>
            <dt>error</dt>
            <dd class="error-text">{entry.error}</dd>
            <dt>attempts</dt>
            <dd>{entry.attempts}</dd>
            <dt>failed</dt>
            <dd>
              <Ago at={entry.failedAt} />
            </dd>
            <dt>original entry</dt>
            <dd>{entry.originId}</dd>
            <dt>event type</dt>
            <dd>{entry.eventType ?? 'undecodable'}</dd>
            <dt>key</dt>
            <dd>{entry.eventKey ?? '–'}</dd>
          </dl>
          {actionsEnabled.value ? (
            <button
              type="button"
              onClick={() =>
                void runRedrive(
                  topic,
                  { entries: [{ partition: entry.partition, id: entry.id }] },
                  load,
                )
              }
            >
              Redrive this event
            </button>
          ) : null}
          <h2>Event</h2>
          {entry.event === null ? (
            <p>The envelope does not decode; its fields are below.</p>
          ) : (
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus so keyboard users can scroll it
            <pre class="payload" tabIndex={0}>
              {JSON.stringify(entry.event, null, 2)}
            </pre>
          )}
          <h2>Stored fields</h2>
          <table class="envelope">
            <caption>The envelope as the producer wrote it (binary values as hex)</caption>
            <thead>
              <tr>
                <th scope="col">field</th>
                <th scope="col">value</th>
              </tr>
            </thead>
            <tbody>
              {fieldPairs(entry.envelope).map(([name, value], index) => (
                <tr key={index}>
                  <th scope="row">
                    <FieldValue value={name} />
                  </th>
                  <td>{value ? <FieldValue value={value} /> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </>
  );
}

type StoredField = DeadLetterDetail['envelope'][number];

/** Stream entries are flat name, value, name, value lists. */
function fieldPairs(fields: StoredField[]): Array<[StoredField, StoredField | undefined]> {
  const pairs: Array<[StoredField, StoredField | undefined]> = [];
  for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i]!, fields[i + 1]]);
  return pairs;
}

function FieldValue({ value }: { value: StoredField }) {
  return 'text' in value ? (
    <code>{value.text}</code>
  ) : (
    <code class="hex" title="binary, shown as hex">
      {value.hex}
    </code>
  );
}
