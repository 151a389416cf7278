import { Redis } from 'ioredis';
import { benchEvent, wallClockMs } from '../bench-event.js';
import type { ConsumeTask, PreloadTask, ProduceTask, RateProduceTask } from '../runner/protocol.js';
import { ConsumerTally } from './consumer-tally.js';
import { publishAtRate } from './paced-publisher.js';
import { rawFields, rawPayload, rawStagedStream, rawStream } from './raw-entry.js';
import { runWorker, timedProduce } from './worker-harness.js';

type ReadReply = Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;

/**
 * The hand-written baseline: plain ioredis, no library. Producers pipeline XADD; the consumer
 * loops XREADGROUP COUNT n BLOCK, handles the batch in order and sends one XACK per stream
 * per batch (not awaited before the next read, as a tuned hand-written loop would do).
 */
/** The raw loop is written for one server; the cluster rows measure redstream only. */
function refuseCluster(task: { clusterNodes?: string }): void {
  if (task.clusterNodes) throw new Error('ioredis-raw does not run on a Redis Cluster');
}

runWorker('ioredis-raw', {
  async produce(task: ProduceTask, control) {
    refuseCluster(task);
    const redis = new Redis(task.url, { connectionName: 'bench:raw' });
    await redis.ping();
    const result = await timedProduce(task, control, () =>
      appendEvents(redis, task, (partition) => rawStream(task.topic, partition)),
    );
    redis.disconnect();
    return result;
  },

  async preload(task: PreloadTask, control) {
    refuseCluster(task);
    const redis = new Redis(task.url, { connectionName: 'bench:raw' });
    await appendEvents(redis, task, (partition) => rawStagedStream(task.topic, partition));
    const renames: Array<[string, string]> = [];
    for (let partition = 0; partition < task.partitions; partition++) {
      const staged = rawStagedStream(task.topic, partition);
      await redis.xgroup('CREATE', staged, task.group, '0', 'MKSTREAM');
      renames.push([staged, rawStream(task.topic, partition)]);
    }
    redis.disconnect();
    return { role: 'preload', renames, peakRssMb: control.peakRssMb() };
  },

  async consume(task: ConsumeTask, control) {
    refuseCluster(task);
    const redis = new Redis(task.url, { connectionName: 'bench:raw-consumer' });
    const streams = Array.from({ length: task.partitions }, (_, p) => rawStream(task.topic, p));
    for (const stream of streams) {
      await redis.xgroup('CREATE', stream, task.group, '0', 'MKSTREAM').catch((error: Error) => {
        if (!error.message.startsWith('BUSYGROUP')) throw error;
      });
    }
    const tally = new ConsumerTally(task.latencyFromSequence);
    control.reportProgress(() => ({ handled: tally.handled }));
    let stopping = false;
    const acks = new Set<Promise<unknown>>();
    const loop = (async () => {
      const cursors = streams.map(() => '>');
      while (!stopping) {
        const reply = (await redis.xreadgroupBuffer(
          'GROUP',
          task.group,
          task.consumer,
          'COUNT',
          task.readBatch,
          'BLOCK',
          task.blockMs,
          'STREAMS',
          ...streams,
          ...cursors,
        )) as ReadReply;
        if (!reply) continue;
        for (const [stream, entries] of reply) {
          const ids: Buffer[] = [];
          for (const [id, fields] of entries) {
            tally.handle(rawPayload(fields));
            ids.push(id);
          }
          const ack = redis.xack(stream, task.group, ...ids);
          acks.add(ack);
          void ack.finally(() => acks.delete(ack));
        }
      }
    })();
    control.ready();
    await control.stop;
    stopping = true;
    await Promise.all([...acks]);
    // The loop may sit in a blocking read: dropping the connection ends it.
    redis.disconnect();
    await loop.catch(() => {});
    return tally.result(control.peakRssMb(), control.runCpuMs());
  },

  async 'rate-produce'(task: RateProduceTask, control) {
    refuseCluster(task);
    const redis = new Redis(task.url, { connectionName: 'bench:raw', enableAutoPipelining: true });
    await redis.ping();
    control.ready();
    await control.go;
    const partitionOf = await partitioner(task.partitions);
    const { sent, elapsedMs } = await publishAtRate(task.ratePerSec, task.totalMs, (sequence) => {
      const event = benchEvent(sequence, task.distinctKeys, wallClockMs());
      const partition = partitionOf(event.key);
      return redis.xadd(rawStream(task.topic, partition), '*', ...rawFields(event));
    });
    redis.disconnect();
    return { role: 'rate-produce', sent, elapsedMs, peakRssMb: control.peakRssMb() };
  },
});

/** XADD pipelines of `batchSize` events, one pipeline in flight at a time (like publishMany). */
async function appendEvents(
  redis: Redis,
  task: ProduceTask | PreloadTask,
  streamOf: (partition: number) => string,
): Promise<void> {
  const partitionOf = await partitioner(task.partitions);
  for (let from = 0; from < task.events; from += task.batchSize) {
    const pipeline = redis.pipeline();
    for (let i = from; i < Math.min(task.events, from + task.batchSize); i++) {
      const event = benchEvent(i, task.distinctKeys, 0, task.payloadBytes);
      pipeline.xadd(streamOf(partitionOf(event.key)), '*', ...rawFields(event));
    }
    const replies = (await pipeline.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
  }
}

/**
 * Key -> partition as redstream places keys (Kafka's murmur2), so the key scenarios spread
 * events alike. Imported only when there are several partitions: the raw consumer process
 * must not carry the library's modules (its peak RSS is reported).
 */
async function partitioner(partitions: number): Promise<(key: string) => number> {
  if (partitions === 1) return () => 0;
  const { partitionFor } = await import('@redstream/stream-client');
  return (key) => partitionFor(key, '', partitions);
}
