import type { StreamClient } from '../../src/index.js';
import { sequencedEvents } from './sequenced-events.js';

/** Publishes `total` sequenced events in chunks, paced, while a test changes membership. */
export function publishInBackground(
  client: StreamClient,
  topic: string,
  total: number,
  keys: number,
  chunk = 200,
  pauseMs = 50,
) {
  const events = sequencedEvents(total, keys);
  let published = 0;
  const done = (async () => {
    const producer = client.producer();
    for (let i = 0; i < events.length; i += chunk) {
      await producer.publishMany(topic, events.slice(i, i + chunk));
      published = Math.min(events.length, i + chunk);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    done,
    get published() {
      return published;
    },
  };
}
