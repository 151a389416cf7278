import { randomUUID } from 'node:crypto';
import type { StreamClient } from '@redstream/stream-client';
import { type BenchPayload, benchEvent, wallClockMs } from '../bench-event.js';
import type {
  ConsumeTask,
  PreloadResult,
  PreloadTask,
  ProduceTask,
  RateProduceTask,
} from '../runner/protocol.js';
import { ConsumerTally } from './consumer-tally.js';
import { publishAtRate } from './paced-publisher.js';
import { runWorker, timedProduce, type WorkerControl } from './worker-harness.js';

/** Staged copy of a topic: filled before the run, renamed over the live topic at go. */
function stagedTopic(topic: string): string {
  return `${topic}-staged`;
}

/**
 * The library under test. REDSTREAM_BENCH_STREAM_CLIENT may name another build of it (a path
 * to its dist/index.js) to measure a proposed change beside the baseline systems.
 */
const library: typeof import('@redstream/stream-client') = await import(
  process.env.REDSTREAM_BENCH_STREAM_CLIENT ?? '@redstream/stream-client'
);

/** The task's server: a Redis Cluster when it names startup nodes, else the URL. */
async function connect(task: { url: string; clusterNodes?: string }): Promise<StreamClient> {
  return library.createStreamClient(
    task.clusterNodes
      ? { clusterNodes: task.clusterNodes, clientName: 'bench' }
      : { url: task.url, clientName: 'bench' },
  );
}

runWorker('redstream', {
  async produce(task: ProduceTask, control) {
    const client = await connect(task);
    await client.ensureTopic(task.topic, { partitions: task.partitions });
    const producer = client.producer();
    const result = await timedProduce(task, control, () =>
      publishInBatches(producer, task.topic, task),
    );
    await client.close();
    return result;
  },

  async preload(task: PreloadTask, control) {
    const client = await connect(task);
    if (task.clusterNodes) return preloadInSlot(client, task, control);
    const staged = stagedTopic(task.topic);
    await client.ensureTopic(task.topic, { partitions: task.partitions });
    await client.ensureTopic(staged, { partitions: task.partitions });
    const producer = client.producer();
    await publishInBatches(producer, staged, task);
    const renames: Array<[string, string]> = [];
    for (let partition = 0; partition < task.partitions; partition++) {
      const from = client.keys.partitionStream(staged, partition);
      await client.redis.xgroup('CREATE', from, task.group, '0', 'MKSTREAM');
      renames.push([from, client.keys.partitionStream(task.topic, partition)]);
    }
    await client.close();
    return { role: 'preload', renames, peakRssMb: control.peakRssMb() };
  },

  async consume(task: ConsumeTask, control) {
    const client = await connect(task);
    await client.ensureTopic(task.topic, { partitions: task.partitions });
    const tally = new ConsumerTally(task.latencyFromSequence);
    const subscription = await client.subscribe<BenchPayload>({
      topic: task.topic,
      group: task.group,
      consumer: task.consumer,
      batchSize: task.readBatch,
      concurrency: task.concurrency,
      maxInFlight: task.maxInFlight,
      blockMs: task.blockMs,
      ...(task.effectivelyOnce ? { effectivelyOnce: true } : {}),
      // Membership settles before the run starts; a faster heartbeat only shortens that wait.
      ...(task.ordering === 'key'
        ? {
            ordering: 'key' as const,
            heartbeatIntervalMs: task.heartbeatIntervalMs ?? 200,
            sessionTimeoutMs: task.sessionTimeoutMs ?? 5000,
          }
        : { ordering: 'none' as const }),
      handler: (event) => {
        tally.handle(event.payload);
      },
    });
    const owned = () => (task.ordering === 'key' ? subscription.ownedPartitions : undefined);
    control.reportProgress(() => ({ handled: tally.handled, ...withOwned(owned()) }));
    control.ready(owned());
    await control.stop;
    await subscription.close();
    await client.close();
    return tally.result(control.peakRssMb(), control.runCpuMs());
  },

  async 'rate-produce'(task: RateProduceTask, control) {
    const client = await connect(task);
    await client.ensureTopic(task.topic, { partitions: task.partitions });
    const producer = client.producer();
    control.ready();
    await control.go;
    const { sent, elapsedMs } = await publishAtRate(task.ratePerSec, task.totalMs, (sequence) =>
      producer.publish(task.topic, benchEvent(sequence, task.distinctKeys, wallClockMs())),
    );
    await client.close();
    return { role: 'rate-produce', sent, elapsedMs, peakRssMb: control.peakRssMb() };
  },
});

/** Publishes events 0 .. task.events - 1 with publishMany, task.batchSize at a time. */
async function publishInBatches(
  producer: ReturnType<StreamClient['producer']>,
  topic: string,
  task: ProduceTask | PreloadTask,
): Promise<void> {
  for (let from = 0; from < task.events; from += task.batchSize) {
    const batch = [];
    for (let i = from; i < Math.min(task.events, from + task.batchSize); i++) {
      const event = benchEvent(i, task.distinctKeys, 0, task.payloadBytes);
      // A UUID of the caller's, as an API client sends with each record it may retry.
      batch.push(
        'explicitIds' in task && task.explicitIds ? { ...event, id: randomUUID() } : event,
      );
    }
    await producer.publishMany(topic, batch);
  }
}

/**
 * Preload on a Redis Cluster, where RENAME needs both keys in one slot: publish to the live
 * topic (no consumer runs yet), then move each partition's stream (with the group) to a staged
 * key of the same hash tag; at go the bench renames it back over the consumers' empty stream.
 */
async function preloadInSlot(
  client: StreamClient,
  task: PreloadTask,
  control: WorkerControl,
): Promise<PreloadResult> {
  await client.ensureTopic(task.topic, { partitions: task.partitions });
  await publishInBatches(client.producer(), task.topic, task);
  const renames: Array<[string, string]> = [];
  for (let partition = 0; partition < task.partitions; partition++) {
    const live = client.keys.partitionStream(task.topic, partition);
    const staged = `${client.keys.partitionHashTag(task.topic, partition)}:staged`;
    await client.redis.xgroup('CREATE', live, task.group, '0', 'MKSTREAM');
    await client.redis.rename(live, staged);
    renames.push([staged, live]);
  }
  await client.close();
  return { role: 'preload', renames, peakRssMb: control.peakRssMb() };
}

function withOwned(owned: number[] | undefined): { owned?: number[] } {
  return owned ? { owned } : {};
}
