import { type ServiceProcess, sleep, uniqueName, waitFor } from '@redstream/testkit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamClient } from '../src/index.js';
import { publishInBackground } from './helpers/background-publisher.js';
import { readLedger } from './helpers/effects-ledger.js';
import { useRedis } from './helpers/redis.js';
import { startWorker } from './helpers/workers.js';

const env = useRedis();
const running = new Map<string, ServiceProcess>();
afterEach(async () => {
  for (const worker of running.values()) {
    worker.signal('SIGCONT');
    await worker.stop(3000);
  }
  running.clear();
});

const SESSION_TIMEOUT_MS = 2000;
const NAMES = ['m1', 'm2', 'm3', 'm4'] as const;

type Action =
  | { kind: 'join'; name: (typeof NAMES)[number] }
  | { kind: 'leave'; name: (typeof NAMES)[number] }
  | { kind: 'kill'; name: (typeof NAMES)[number] }
  | { kind: 'pause'; name: (typeof NAMES)[number]; ms: number }
  | { kind: 'wait'; ms: number };

const name = fc.constantFrom(...NAMES);
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('join' as const), name }),
  fc.record({ kind: fc.constant('leave' as const), name }),
  fc.record({ kind: fc.constant('kill' as const), name }),
  fc.record({
    kind: fc.constant('pause' as const),
    name,
    ms: fc.integer({ min: 500, max: SESSION_TIMEOUT_MS + 1500 }),
  }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 100, max: 800 }) }),
);

/**
 * The model: a partition's applications carry the lease epoch they were acked under. The
 * invariant "one owner per partition at any ack" holds when, per partition, epochs never go
 * back and each epoch belongs to exactly one consumer.
 */
async function checkOwnership(
  client: StreamClient,
  topic: string,
  partitions: number,
): Promise<void> {
  for (let partition = 0; partition < partitions; partition++) {
    const log = await client.redis.lrange(client.keys.state(topic, partition, 'owners'), 0, -1);
    const ownerOfEpoch = new Map<number, string>();
    let lastEpoch = 0;
    for (const record of log) {
      const [epochText, consumer] = record.split(':') as [string, string];
      const epoch = Number(epochText);
      expect(
        epoch,
        `partition ${partition}: an ack under epoch ${epoch} after epoch ${lastEpoch}`,
      ).toBeGreaterThanOrEqual(lastEpoch);
      lastEpoch = epoch;
      const owner = ownerOfEpoch.get(epoch) ?? consumer;
      expect(consumer, `partition ${partition} epoch ${epoch} acked by two consumers`).toBe(owner);
      ownerOfEpoch.set(epoch, owner);
    }
  }
}

describe('ordering key: random schedules of joins, leaves, kills and pauses', () => {
  it('keeps one owner per partition at every ack, per-key order and every event', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 4, maxLength: 8 }), async (actions) => {
        const client = await env.client();
        const topic = uniqueName('orders');
        const partitions = 6;
        await client.ensureTopic(topic, { partitions });
        const base = {
          REDIS_URL: env.redis.url,
          TOPIC: topic,
          GROUP: 'g',
          ORDERING: 'key' as const,
          SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
          HEARTBEAT_MS: '200',
          HANDLER_DELAY_MS: '5',
          BATCH_SIZE: '20',
          MAX_IN_FLIGHT: '40',
        };
        const join = async (member: string) => {
          if (running.has(member)) return;
          running.set(member, await startWorker({ ...base, CONSUMER: member }));
        };
        await join('m1');
        const publisher = publishInBackground(client, topic, 2500, 80, 100, 60);
        for (const step of actions) {
          const worker = 'name' in step ? running.get(step.name) : undefined;
          if (step.kind === 'join') await join(step.name);
          else if (step.kind === 'wait') await sleep(step.ms);
          else if (worker && step.kind === 'leave') {
            running.delete(step.name);
            await worker.stop(8000);
          } else if (worker && step.kind === 'kill') {
            running.delete(step.name);
            worker.signal('SIGKILL');
            await worker.exited;
          } else if (worker && step.kind === 'pause') {
            worker.signal('SIGSTOP');
            await sleep(step.ms);
            worker.signal('SIGCONT');
          }
        }
        // Someone must be left to finish the work.
        if (running.size === 0) await join('m1');
        await publisher.done;
        await waitFor(async () => (await readLedger(client, topic, partitions)).applied === 2500, {
          description: `all 2500 events applied after ${JSON.stringify(actions)}`,
          timeoutMs: 60_000,
        });
        const ledger = await readLedger(client, topic, partitions);
        expect(ledger).toMatchObject({ applied: 2500, duplicates: 0, violations: 0 });
        await checkOwnership(client, topic, partitions);
        for (const worker of running.values()) await worker.stop(8000);
        running.clear();
      }),
      { numRuns: Number(process.env.REDSTREAM_SCHEDULE_RUNS ?? 2), endOnFailure: true },
    );
  }, 300_000);
});
