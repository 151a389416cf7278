import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { partitionFor, type SubscribeOptions, type Subscription } from '../src/index.js';
import { deadLetterSummary } from './helpers/handler-runs.js';
import { loose } from './helpers/loose-options.js';
import { useRedis } from './helpers/redis.js';
import { sequencedEvents } from './helpers/sequenced-events.js';

// Issue 13, defects 6 and 7. 'block-key' must keep a key whose retries are exhausted blocked
// (not dead-letter its events one after another), and a blocked or retrying key must not stall
// the other keys: docs/ordering.md promises that other keys go on, in its partition and in the
// others, however many of its events are waiting.
const env = useRedis();
const subscriptions: Subscription[] = [];
afterEach(async () => {
  await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
});

const POISON = 'poison';

/** `count` events of the poison key, numbered 1, 2, ... */
function poisonEvents(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    type: 'test.event',
    key: POISON,
    payload: { key: POISON, seq: i + 1 },
  }));
}

/**
 * One in-process replica owning every partition, whose handler always fails for the poison
 * key and succeeds at once for every other key. Records each run.
 */
async function poisonedReplica(
  partitions: number,
  options: Partial<SubscribeOptions<{ key: string; seq: number }>>,
) {
  const client = await env.client();
  const topic = uniqueName('blocked');
  await client.ensureTopic(topic, { partitions });
  const runs: Array<{ key: string; entryId: string; attempt: number; partition: number }> = [];
  /** Entry (partition/id) -> partition of every event of another key whose handler succeeded. */
  const handled = new Map<string, number>();
  const blocked: string[] = [];
  const subscription = await client.subscribe<{ key: string; seq: number }>(
    loose({
      topic,
      group: 'g',
      consumer: 'solo',
      ordering: 'key',
      sessionTimeoutMs: 3000,
      heartbeatIntervalMs: 300,
      drainTimeoutMs: 2000,
      ...options,
      handler: (event, ctx) => {
        runs.push({
          key: event.payload.key,
          entryId: ctx.entryId,
          attempt: ctx.attempt,
          partition: ctx.partition,
        });
        if (event.payload.key === POISON) throw new Error('poison: this handler always fails');
        // Entry ids are per stream: partitions appended in the same millisecond share ids.
        handled.set(`${ctx.partition}/${ctx.entryId}`, ctx.partition);
      },
    }),
  );
  subscriptions.push(subscription);
  subscription.on('consumer.key.blocked', ({ key }) => blocked.push(key));
  await waitFor(() => subscription.ownedPartitions.length === partitions, {
    description: `the replica to own all ${partitions} partitions`,
    timeoutMs: 10_000,
  });
  return { client, topic, runs, handled, blocked, subscription };
}

describe("ordering key: onRetriesExhausted 'block-key'", () => {
  it('keeps an always-failing key blocked on its first event: none of its 400 events is dead-lettered, later ones never run', async () => {
    const { client, topic, runs, blocked } = await poisonedReplica(1, {
      maxDeliveries: 2,
      onRetriesExhausted: 'block-key',
      // Blocked retries come at the maximum backoff: short here, so a few happen in the test.
      retryBackoff: { baseMs: 50, maxMs: 300 },
    });
    await client.producer().publishMany(topic, poisonEvents(400));
    // Enough runs for the first event to be blocked and retried several times (about 2 s): with
    // eventsRun 1 below, it was retried well past maxDeliveries, as block-key promises.
    await waitFor(() => runs.length >= 8, { description: '8 handler runs', timeoutMs: 15_000 });
    await sleep(500);
    const firstEntry = runs[0]!.entryId;
    expect({
      deadLettered: (await deadLetterSummary(client, topic)).reasons,
      eventsRun: new Set(runs.map((run) => run.entryId)).size,
      runsOfOtherEvents: runs.filter((run) => run.entryId !== firstEntry).length,
      blockedReported: blocked.length > 0,
    }).toEqual({ deadLettered: {}, eventsRun: 1, runsOfOtherEvents: 0, blockedReported: true });
  });

  it('names the blocked key in the consumer.key.blocked event (what an alert shows)', async () => {
    const { client, topic, blocked } = await poisonedReplica(1, {
      maxDeliveries: 1,
      onRetriesExhausted: 'block-key',
      retryBackoff: { baseMs: 50, maxMs: 300 },
    });
    await client.producer().publishMany(topic, poisonEvents(3));
    await waitFor(() => blocked.length > 0, { description: 'a blocked key', timeoutMs: 10_000 });
    expect(blocked).toEqual([POISON]);
  });
});

describe('ordering key: retries in place', () => {
  it('do not pile up abort listeners: 40 retries of one event raise no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === 'MaxListenersExceededWarning') warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    try {
      const { client, topic, runs } = await poisonedReplica(1, {
        maxDeliveries: 1000,
        retryBackoff: { baseMs: 5, maxMs: 10 },
      });
      await client.producer().publishMany(topic, poisonEvents(1));
      await waitFor(() => runs.length >= 40, { description: '40 runs', timeoutMs: 15_000 });
      await sleep(100);
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('ordering key: a blocked or retrying key does not stall the others', () => {
  // 4 partitions, maxInFlight 100: 400 events of the failing key, more than maxInFlight, are
  // published ahead of 2,000 events of 200 other keys spread over all partitions.
  const scenarios: Array<[string, Partial<SubscribeOptions<{ key: string; seq: number }>>]> = [
    [
      "blocked ('block-key', maxDeliveries 2)",
      {
        maxDeliveries: 2,
        onRetriesExhausted: 'block-key',
        retryBackoff: { baseMs: 50, maxMs: 1000 },
      },
    ],
    [
      'retrying in place (maxDeliveries 1000)',
      { maxDeliveries: 1000, retryBackoff: { baseMs: 100, maxMs: 2000 } },
    ],
  ];
  it.each(scenarios)(
    'a key %s holding more than maxInFlight entries: all 2,000 events of the other keys are handled',
    async (_, options) => {
      const partitions = 4;
      const { client, topic, handled } = await poisonedReplica(partitions, {
        ...options,
        batchSize: 50,
        maxInFlight: 100,
        concurrency: 8,
      });
      const others = sequencedEvents(2000, 200);
      await client.producer().publishMany(topic, poisonEvents(400));
      await client.producer().publishMany(topic, others);
      const expectedPerPartition = new Array<number>(partitions).fill(0);
      for (const event of others) expectedPerPartition[partitionFor(event.key, '', partitions)]!++;
      const handledPerPartition = () => {
        const counts = new Array<number>(partitions).fill(0);
        for (const partition of handled.values()) counts[partition]!++;
        return counts;
      };
      // Generous: on an idle machine this takes well under a second.
      await waitFor(() => handled.size === 2000, {
        description: 'all 2,000 events of the other keys to be handled',
        timeoutMs: 30_000,
      }).catch((error: Error) => {
        const poisonPartition = partitionFor(POISON, '', partitions);
        throw new Error(
          `${error.message}: ${handled.size} handled; per partition ${JSON.stringify(handledPerPartition())} of ${JSON.stringify(expectedPerPartition)} (the failing key is in partition ${poisonPartition})`,
        );
      });
      expect(handledPerPartition()).toEqual(expectedPerPartition);
    },
  );
});
