import type { TopicView } from '../../../src/dashboard-view.js';
import { TimeChart } from '../components/time-chart.js';
import { rateHistory, snapshot } from '../dashboard-state.js';
import { formatCount, formatDuration, formatRate } from '../format.js';
import { href } from '../router.js';

export function TopicsPage() {
  const current = snapshot.value;
  if (!current) return <p>Waiting for the first snapshot…</p>;
  if (current.topics.length === 0)
    return <p>No topics yet. Topics appear here as soon as a producer or consumer creates one.</p>;
  return (
    <>
      <h1>Topics</h1>
      {current.topics.map((topic) => (
        <TopicCard key={topic.name} topic={topic} />
      ))}
    </>
  );
}

function retentionText(topic: TopicView): string {
  const { maxLen, maxAgeMs, safe } = topic.retention;
  const parts = [
    maxLen !== undefined ? `~${formatCount(maxLen)} entries` : null,
    maxAgeMs !== undefined ? formatDuration(maxAgeMs) : null,
  ].filter(Boolean);
  if (parts.length === 0) return 'kept until trimmed';
  return `${parts.join(', ')}${safe ? ' (safe)' : ''}`;
}

function TopicCard({ topic }: { topic: TopicView }) {
  const points = rateHistory.value[topic.name] ?? [];
  const data = [points.map((p) => p.at / 1000), points.map((p) => p.eventsInPerSecond)];
  return (
    <section class="card" aria-labelledby={`topic-${topic.name}`}>
      <header class="card-header">
        <h2 id={`topic-${topic.name}`}>{topic.name}</h2>
        <a href={href('topics', topic.name, 'dead-letters')}>
          dead letters: <span class="num">{formatCount(topic.deadLetters)}</span>
        </a>
      </header>
      <dl class="stats">
        <div>
          <dt>partitions</dt>
          <dd class="num">{topic.partitionCount}</dd>
        </div>
        <div>
          <dt>retention</dt>
          <dd>{retentionText(topic)}</dd>
        </div>
        <div>
          <dt>entries</dt>
          <dd class="num">{formatCount(topic.length)}</dd>
        </div>
        <div>
          <dt>appended ever</dt>
          <dd class="num">{formatCount(topic.entriesAdded)}</dd>
        </div>
        <div>
          <dt>events in</dt>
          <dd class="num">{formatRate(topic.eventsInPerSecond)}</dd>
        </div>
        <div class="stats-wide">
          <dt>events in, last minutes</dt>
          <dd>
            <TimeChart
              sparkline
              height={40}
              label={`events appended per second to ${topic.name} over the last minutes`}
              series={[{ label: 'in', unit: '/s', color: '#2f7ed8', scale: 'left' }]}
              data={data}
            />
          </dd>
        </div>
      </dl>
      <div class="table-scroll">
        <table>
          <caption>Consumer groups of {topic.name}</caption>
          <thead>
            <tr>
              <th scope="col">group</th>
              <th scope="col" class="num">
                lag
              </th>
              <th scope="col" class="num">
                lag time
              </th>
              <th scope="col" class="num">
                pending
              </th>
              <th scope="col" class="num">
                retry backlog
              </th>
              <th scope="col" class="num">
                events out
              </th>
              <th scope="col" class="num">
                consumers
              </th>
            </tr>
          </thead>
          <tbody>
            {topic.groups.length === 0 ? (
              <tr>
                <td colSpan={7}>No consumer group reads this topic yet.</td>
              </tr>
            ) : (
              topic.groups.map((group) => (
                <tr key={group.name}>
                  <th scope="row">
                    <a href={href('topics', topic.name, 'groups', group.name)}>{group.name}</a>
                  </th>
                  <td class="num">{formatCount(group.totals.lag)} entries</td>
                  <td class="num">{formatDuration(group.totals.maxLagSeconds * 1000)}</td>
                  <td class="num">{formatCount(group.totals.pending)}</td>
                  <td class="num">{formatCount(group.totals.retryPending)}</td>
                  <td class="num">{formatRate(group.eventsOutPerSecond)}</td>
                  <td class="num">{group.consumers.length}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
