import { Queue, Worker } from 'bullmq';
import { type BenchEvent, benchEvent, wallClockMs } from '../bench-event.js';
import type { ConsumeTask, PreloadTask, ProduceTask, RateProduceTask } from '../runner/protocol.js';
import { ConsumerTally } from './consumer-tally.js';
import { publishAtRate } from './paced-publisher.js';
import { runWorker, timedProduce } from './worker-harness.js';

/** BullMQ connection options from the bench's Redis URL (workers need maxRetriesPerRequest null). */
function connection(url: string) {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port), maxRetriesPerRequest: null };
}

/** Queue names cannot hold ':'; the topic name is used as it is. */
function queueOf(task: { url: string; topic: string }): Queue<BenchEvent> {
  return new Queue<BenchEvent>(task.topic, { connection: connection(task.url) });
}

async function addEvents(queue: Queue<BenchEvent>, task: ProduceTask | PreloadTask) {
  for (let from = 0; from < task.events; from += task.batchSize) {
    const jobs = [];
    for (let i = from; i < Math.min(task.events, from + task.batchSize); i++) {
      const event = benchEvent(i, task.distinctKeys);
      jobs.push({ name: event.type, data: event });
    }
    await queue.addBulk(jobs);
  }
}

/**
 * BullMQ as a job queue carrying the same events: Queue.addBulk to produce, a Worker with
 * concurrency 100 to consume. Completed jobs are removed (removeOnComplete count 0), its
 * cheapest setting for throughput.
 */
runWorker('bullmq', {
  async produce(task: ProduceTask, control) {
    const queue = queueOf(task);
    await queue.waitUntilReady();
    const result = await timedProduce(task, control, () => addEvents(queue, task));
    await queue.close();
    return result;
  },

  async preload(task: PreloadTask, control) {
    const queue = queueOf(task);
    await addEvents(queue, task);
    await queue.close();
    // Jobs wait in the queue; the worker only starts at go, so nothing needs renaming.
    return { role: 'preload', renames: [], peakRssMb: control.peakRssMb() };
  },

  async consume(task: ConsumeTask, control) {
    const tally = new ConsumerTally(task.latencyFromSequence);
    const worker = new Worker<BenchEvent>(
      task.topic,
      async (job) => {
        tally.handle(job.data.payload);
      },
      {
        connection: connection(task.url),
        concurrency: task.concurrency,
        autorun: false,
        removeOnComplete: { count: 0 },
      },
    );
    worker.on('error', () => {});
    await worker.waitUntilReady();
    control.reportProgress(() => ({ handled: tally.handled }));
    control.ready();
    await control.go;
    const running = worker.run();
    await control.stop;
    await worker.close();
    await running.catch(() => {});
    return tally.result(control.peakRssMb(), control.runCpuMs());
  },

  async 'rate-produce'(task: RateProduceTask, control) {
    const queue = queueOf(task);
    await queue.waitUntilReady();
    control.ready();
    await control.go;
    const { sent, elapsedMs } = await publishAtRate(task.ratePerSec, task.totalMs, (sequence) => {
      const event = benchEvent(sequence, task.distinctKeys, wallClockMs());
      return queue.add(event.type, event);
    });
    await queue.close();
    return { role: 'rate-produce', sent, elapsedMs, peakRssMb: control.peakRssMb() };
  },
});
