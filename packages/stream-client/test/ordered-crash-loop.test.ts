import { type ServiceProcess, uniqueName, waitFor } from '@redstream/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { readLedger } from './helpers/effects-ledger.js';
import { deadLetterSummary } from './helpers/handler-runs.js';
import { useRedis } from './helpers/redis.js';
import { sequencedEvents } from './helpers/sequenced-events.js';
import { startWorker } from './helpers/workers.js';

// Runs are counted in Redis before the handler starts, so a handler that kills its process
// still counts: a crash loop ends in the dead-letter stream after maxDeliveries runs instead of
// taking every replica down forever. (Takeovers and re-reads do not count: ordered-handover.)
const env = useRedis();
const workers: ServiceProcess[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop(3000)));
});

describe('ordering key: a handler that crashes its process', () => {
  it('is dead-lettered as max-deliveries after maxDeliveries runs; the key goes on', async () => {
    const client = await env.client();
    const topic = uniqueName('crash');
    await client.ensureTopic(topic, { partitions: 1 });
    await client.producer().publishMany(topic, sequencedEvents(10, 1));
    const maxDeliveries = 3;
    let crashes = 0;
    // Restarted under the same name each time (static membership: it takes its partition
    // straight back), as a supervisor would.
    for (let restart = 0; restart < 8; restart++) {
      const worker = await startWorker({
        REDIS_URL: env.redis.url,
        TOPIC: topic,
        GROUP: 'g',
        ORDERING: 'key',
        CONSUMER: 'crashing',
        SESSION_TIMEOUT_MS: '2000',
        HEARTBEAT_MS: '200',
        MAX_DELIVERIES: String(maxDeliveries),
        CRASH_ON: 'key-0#3',
      });
      workers.push(worker);
      const outcome = await Promise.race([
        worker.exited.then(() => 'crashed' as const),
        waitFor(async () => (await readLedger(client, topic, 1)).applied === 9, {
          description: 'the other nine applied',
          timeoutMs: 15_000,
        }).then(() => 'done' as const),
      ]);
      if (outcome === 'done') break;
      crashes++;
    }
    const deadLetters = await deadLetterSummary(client, topic);
    const ledger = await readLedger(client, topic, 1);
    expect({ crashes, deadLetters: deadLetters.reasons, applied: ledger.applied }).toEqual({
      crashes: maxDeliveries,
      deadLetters: { 'max-deliveries': 1 },
      applied: 9,
    });
    const [letter] = await client.admin.listDeadLetters(topic);
    expect(letter).toMatchObject({ reason: 'max-deliveries', attempts: maxDeliveries });
  });
});
