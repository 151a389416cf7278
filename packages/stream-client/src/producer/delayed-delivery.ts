import type { EncodedEvent } from '@redstream/codec';
import type { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { loadBullmq } from '../bullmq-module.js';
import type { RedisClient } from '../connection/redis-connection.js';
import { deserializeFields, type SerializedField, serializeFields } from '../encoded-fields.js';
import type { RedisKeys } from '../keys.js';

export interface ScheduledPublish {
  /** False when a job for this event id already existed (the schedule call was a retry). */
  scheduled: boolean;
  dueAt: number;
}

interface DelayedJobData {
  topic: string;
  key: string | null;
  eventId: string;
  fields: SerializedField[];
}

type AppendEncoded = (topic: string, encoded: EncodedEvent, key: string | null) => Promise<unknown>;

/**
 * The BullMQ job id of a delayed event: one per event id, and one BullMQ accepts for any event
 * id (it refuses ids with ':' and integer-like ids). encodeURIComponent escapes ':' and '%', so
 * distinct event ids keep distinct job ids ('a:b' -> 'evt-a%3Ab', 'a_b' -> 'evt-a_b'); the
 * prefix keeps '12345' from looking like an integer.
 */
export function delayedJobId(eventId: string): string {
  return `evt-${encodeURIComponent(eventId)}`;
}

/** Job ids of an earlier version were the bare event id, when BullMQ accepted it. */
function legacyJobId(eventId: string): string | undefined {
  if (eventId.includes(':') || `${Number.parseInt(eventId, 10)}` === eventId) return undefined;
  return eventId;
}

/**
 * Delayed publish through BullMQ delayed jobs. The job id is derived from the event id
 * (`delayedJobId`), so scheduling the same event twice creates one job; when due, the worker appends the event with an idempotent
 * publish, so even a job that runs twice (worker crash after append) appends once. Jobs live
 * in Redis: an event scheduled before a restart fires after it, by whichever process runs
 * `runWorker` for the topic.
 */
export class DelayedDelivery {
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, Worker>();

  constructor(
    private readonly connection: () => Promise<RedisClient>,
    private readonly keys: RedisKeys,
    private readonly append: AppendEncoded,
    private readonly logger?: Logger,
  ) {}

  async schedule(
    topic: string,
    encoded: EncodedEvent,
    key: string | null,
    dueAt: number,
  ): Promise<ScheduledPublish> {
    const queue = await this.queue(topic);
    const jobId = delayedJobId(encoded.id);
    const legacy = legacyJobId(encoded.id);
    const existing =
      (await queue.getJob(jobId)) ??
      (legacy === undefined ? undefined : await queue.getJob(legacy));
    if (existing)
      return { scheduled: false, dueAt: existing.timestamp + (existing.opts.delay ?? 0) };
    const data: DelayedJobData = {
      topic,
      key,
      eventId: encoded.id,
      fields: serializeFields(encoded.fields),
    };
    await queue.add('publish', data, {
      jobId,
      delay: Math.max(0, dueAt - Date.now()),
      attempts: 20,
      backoff: { type: 'exponential', delay: 500 },
      // Completed jobs are kept for a day so a late duplicate schedule finds the job id taken.
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    return { scheduled: true, dueAt };
  }

  /** Starts appending due events of `topic` in this process. Idempotent. */
  async runWorker(topic: string): Promise<void> {
    if (this.workers.has(topic)) return;
    const { Worker } = await loadBullmq();
    if (this.workers.has(topic)) return;
    const worker = new Worker<DelayedJobData>(
      this.keys.delayedQueueName(topic),
      async (job) => {
        const { fields, eventId, key } = job.data;
        const decoded = deserializeFields(fields);
        await this.append(job.data.topic, { id: eventId, fields: decoded, byteLength: 0 }, key);
      },
      { connection: await this.connection(), prefix: this.keys.bullPrefix(), concurrency: 16 },
    );
    worker.on('error', (error) =>
      this.logger?.warn({ err: error, topic }, 'delayed delivery worker error'),
    );
    worker.on('failed', (job, error) =>
      this.logger?.warn(
        { err: error, topic, eventId: job?.data.eventId },
        'delayed delivery attempt failed',
      ),
    );
    this.workers.set(topic, worker);
    await worker.waitUntilReady();
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.values()].map((worker) => worker.close()));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.workers.clear();
    this.queues.clear();
  }

  private async queue(topic: string): Promise<Queue> {
    const existing = this.queues.get(topic);
    if (existing) return existing;
    const [{ Queue }, connection] = await Promise.all([loadBullmq(), this.connection()]);
    // Another call may have created it while this one waited.
    const created = this.queues.get(topic);
    if (created) return created;
    const queue = new Queue(this.keys.delayedQueueName(topic), {
      connection,
      prefix: this.keys.bullPrefix(),
    });
    // Without a listener BullMQ prints connection errors to the console; log them instead.
    queue.on('error', (error) =>
      this.logger?.debug({ err: error, topic }, 'delayed queue connection error'),
    );
    this.queues.set(topic, queue);
    return queue;
  }
}
