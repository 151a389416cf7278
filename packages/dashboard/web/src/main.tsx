import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { LiveIndicator } from './components/live-indicator.js';
import { actionsEnabled, connect, snapshot } from './dashboard-state.js';
import { DeadLetterPage } from './pages/dead-letter-page.js';
import { DeadLettersPage } from './pages/dead-letters-page.js';
import { GroupPage } from './pages/group-page.js';
import { TopicsPage } from './pages/topics-page.js';
import { href, route } from './router.js';
import './styles.css';

function Page() {
  const current = route.value;
  switch (current.page) {
    case 'group':
      return <GroupPage topic={current.topic} group={current.group} />;
    case 'dead-letters':
      return <DeadLettersPage topic={current.topic} />;
    case 'dead-letter':
      return <DeadLetterPage topic={current.topic} partition={current.partition} id={current.id} />;
    default:
      return <TopicsPage />;
  }
}

function App() {
  useEffect(() => connect(), []);
  const errors = snapshot.value?.errors ?? [];
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href()}>
          redstream
        </a>
        <nav aria-label="topics">
          {snapshot.value?.topics.map((topic) => (
            <a key={topic.name} href={href('topics', topic.name, 'dead-letters')}>
              {topic.name} dead letters
            </a>
          ))}
        </nav>
        {snapshot.value && !actionsEnabled.value ? (
          <span class="badge" title="Started without an admin token: redrive is off">
            read-only
          </span>
        ) : null}
        <LiveIndicator />
      </header>
      <main id="main" tabIndex={-1}>
        {errors.map((error) => (
          <p class="error" key={error.topic}>
            {error.topic}: {error.message}
          </p>
        ))}
        <Page />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
