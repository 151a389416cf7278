import { TimeChart } from '../components/time-chart.js';
import { Ago } from '../components/values.js';
import { lagHistory, rebalances, snapshot } from '../dashboard-state.js';
import { formatCount, formatDuration, formatRate } from '../format.js';
import { href } from '../router.js';

export function GroupPage({ topic, group }: { topic: string; group: string }) {
  const current = snapshot.value;
  const topicView = current?.topics.find((t) => t.name === topic);
  const view = topicView?.groups.find((g) => g.name === group);
  if (!current) return <p>Waiting for the first snapshot…</p>;
  if (!view)
    return (
      <p>
        Group <strong>{group}</strong> does not read topic <strong>{topic}</strong> (yet).{' '}
        <a href={href()}>All topics</a>
      </p>
    );
  const points = lagHistory.value[`${topic}/${group}`] ?? [];
  const data = [
    points.map((p) => p.at / 1000),
    points.map((p) => p.lag),
    points.map((p) => p.lagSeconds),
  ];
  const timeline = rebalances.value
    .filter((r) => r.topic === topic && r.group === group)
    .slice()
    .reverse();
  return (
    <>
      <nav aria-label="breadcrumb" class="crumbs">
        <a href={href()}>Topics</a> / {topic} / group
      </nav>
      <h1>
        {group} <span class="muted">on {topic}</span>
      </h1>
      <dl class="stats">
        <div>
          <dt>lag</dt>
          <dd class="num">{formatCount(view.totals.lag)} entries</dd>
        </div>
        <div>
          <dt>lag time (max)</dt>
          <dd class="num">{formatDuration(view.totals.maxLagSeconds * 1000)}</dd>
        </div>
        <div>
          <dt>pending</dt>
          <dd class="num">{formatCount(view.totals.pending)}</dd>
        </div>
        <div>
          <dt>retry backlog</dt>
          <dd class="num">{formatCount(view.totals.retryPending)}</dd>
        </div>
        <div>
          <dt>events out</dt>
          <dd class="num">{formatRate(view.eventsOutPerSecond)}</dd>
        </div>
        <div>
          <dt>live members</dt>
          <dd class="num">{view.members.length}</dd>
        </div>
      </dl>

      <section class="card" aria-labelledby="lag-chart">
        <h2 id="lag-chart">Lag, last 15 minutes</h2>
        <TimeChart
          label={`lag of ${group} in entries and seconds over the last 15 minutes`}
          series={[
            { label: 'lag', unit: 'entries', color: '#2f7ed8', scale: 'left' },
            { label: 'lag time', unit: 's', color: '#d8582f', scale: 'right' },
          ]}
          data={data}
        />
      </section>

      <section class="card" aria-labelledby="partitions">
        <h2 id="partitions">Partitions</h2>
        <div class="table-scroll">
          <table class="partitions">
            <thead>
              <tr>
                <th scope="col" class="num">
                  partition
                </th>
                <th scope="col">owner</th>
                <th scope="col" class="num">
                  epoch
                </th>
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
                  oldest pending
                </th>
                <th scope="col" class="num">
                  retry backlog
                </th>
              </tr>
            </thead>
            <tbody>
              {view.partitions.map((row) => (
                <tr
                  key={row.partition}
                  data-partition={row.partition}
                  data-owner={row.owner ?? ''}
                  data-epoch={row.epoch ?? ''}
                >
                  <th scope="row" class="num">
                    {row.partition}
                  </th>
                  <td class="owner">{row.owner ?? <span class="muted">none</span>}</td>
                  <td class="num">{row.epoch ?? '–'}</td>
                  <td class="num">
                    {row.lagExact ? '' : '≥ '}
                    {formatCount(row.lag)} entries
                  </td>
                  <td class="num">{formatDuration(row.lagSeconds * 1000)}</td>
                  <td class="num">{formatCount(row.pending)}</td>
                  <td class="num">{formatDuration(row.oldestPendingAgeMs)}</td>
                  <td class="num">{formatCount(row.retryPending)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section class="card" aria-labelledby="consumers">
        <h2 id="consumers">Consumers</h2>
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">consumer</th>
                <th scope="col">owns partitions</th>
                <th scope="col" class="num">
                  pending
                </th>
                <th scope="col" class="num">
                  idle
                </th>
                <th scope="col">member</th>
              </tr>
            </thead>
            <tbody>
              {view.consumers.map((consumer) => (
                <tr key={consumer.name} data-consumer={consumer.name}>
                  <th scope="row">{consumer.name}</th>
                  <td>{consumer.ownedPartitions.join(', ') || <span class="muted">none</span>}</td>
                  <td class="num">{formatCount(consumer.pending)}</td>
                  <td class="num">{formatDuration(consumer.idleMs)}</td>
                  <td>
                    {view.members.includes(consumer.name) ? (
                      'live'
                    ) : (
                      <span class="muted">gone</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section class="card" aria-labelledby="rebalances">
        <h2 id="rebalances">Recent rebalances</h2>
        {timeline.length === 0 ? (
          <p class="muted">No owner or epoch change since this dashboard started.</p>
        ) : (
          <ol class="timeline">
            {timeline.map((rebalance) => (
              <li key={rebalance.at}>
                <p>
                  <Ago at={rebalance.at} />: {rebalance.moved.length} partition
                  {rebalance.moved.length === 1 ? '' : 's'} moved; owners now{' '}
                  {rebalance.members.join(', ') || 'none'}
                </p>
                <ul class="moves">
                  {rebalance.moved.map((move) => (
                    <li key={move.partition}>
                      p{move.partition}: {move.from ?? 'none'} → {move.to ?? 'none'}
                      {move.epoch !== null ? ` (epoch ${move.epoch})` : ''}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}
