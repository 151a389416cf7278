import { sleep, uniqueName, waitFor } from '@redstream/testkit';
import { describe, expect, it } from 'vitest';
import type { StreamClient } from '../src/index.js';
import { useCluster } from './helpers/cluster.js';
import { loose } from './helpers/loose-options.js';
import { pendingOf } from './helpers/pending.js';
import { useRedis } from './helpers/redis.js';
import { FAST } from './helpers/settle-contracts.js';

/**
 * Issue 14, defect 7: maxInFlight bounds what ordering none has read and not yet settled,
 * summed over all partitions (README, docs/guarantees.md). XREADGROUP's COUNT applies per
 * stream, so one read over 16 partitions can return 16 x batchSize; on a cluster each
 * partition's reader checks the limit alone. (Ordering key: sc/ordered.test.ts.)
 */
const single = useRedis();
const cluster = useCluster();

const targets = [
  { target: 'a single Redis', env: single },
  { target: 'a Redis Cluster', env: cluster },
];

describe.each(targets)('maxInFlight in ordering none on $target', ({ env }) => {
  it('16 partitions, batchSize 10, maxInFlight 50, handlers held: never more than 50 read and unsettled', async () => {
    const client: StreamClient = await env.client();
    const topic = uniqueName('inflight');
    const partitions = 16;
    await client.ensureTopic(topic, { partitions });
    const total = 800;
    // 400 keys: every partition gets well over a batch.
    await client.producer().publishMany(
      topic,
      Array.from({ length: total }, (_, n) => ({
        type: 't',
        key: `key-${n % 400}`,
        payload: { n },
      })),
    );
    /** Held handlers, released oldest first by the test. */
    const held: Array<() => void> = [];
    let releaseAll = false;
    const release = (count: number) => {
      for (const resume of held.splice(0, count)) resume();
    };
    let running = 0;
    let maxRunning = 0;
    let handled = 0;
    const subscription = await client.subscribe(
      loose({
        ...FAST.none,
        topic,
        group: 'g',
        consumer: 'c',
        ordering: 'none',
        batchSize: 10,
        maxInFlight: 50,
        concurrency: 1000,
        handler: async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          if (!releaseAll) await new Promise<void>((resume) => held.push(resume));
          running--;
          handled++;
        },
      }),
    );
    await waitFor(() => running >= 50, {
      description: 'the first reads running',
      timeoutMs: 15_000,
    }).catch(() => {});
    const samples: number[] = [];
    // Time for every reader to try again, then let a batch worth of handlers finish a few
    // times: the readers waiting for room must not all take it at once.
    for (let round = 0; round < 4; round++) {
      await sleep(750);
      samples.push(await pendingOf(client, topic, partitions, 'c'));
      release(10);
    }
    const observed = {
      maxRunning,
      maxPending: Math.max(...samples),
      pendingSamples: samples,
    };
    releaseAll = true;
    release(held.length);
    await waitFor(
      () => {
        release(held.length);
        return handled === total;
      },
      { description: `all ${total} handled once released`, timeoutMs: 60_000 },
    );
    await subscription.close();
    const seen = JSON.stringify(observed);
    expect(observed.maxPending, seen).toBeLessThanOrEqual(50);
    expect(observed.maxRunning, seen).toBeLessThanOrEqual(50);
  });
});
