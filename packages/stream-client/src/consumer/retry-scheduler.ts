import type { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { loadBullmq } from '../bullmq-module.js';
import type { RedisClient } from '../connection/redis-connection.js';
import { deserializeFields, type SerializedField, serializeFields } from '../encoded-fields.js';
import type { RedisKeys } from '../keys.js';
import { registerScripts } from '../scripts/lua-scripts.js';
import { MetadataField, splitMetadata } from './metadata-fields.js';
import type { StreamEntry } from './stream-entry.js';

interface RetryJobData {
  retryStream: string;
  fields: SerializedField[];
}

/**
 * Ordering none: a failed entry comes back after its backoff through a BullMQ delayed job,
 * which appends it to the group's retry stream of the same partition (other groups never see
 * it) with its attempt number. The job id is unique per entry and attempt, so a schedule that
 * is retried after a crash creates one job.
 */
export class RetryScheduler {
  private queue: Queue | undefined;
  private worker: Worker | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;
  /** A failed trim is logged once per scheduler, not once per retry. */
  private trimWarned = false;

  constructor(
    private readonly connection: RedisClient,
    private readonly keys: RedisKeys,
    private readonly topic: string,
    private readonly group: string,
    private readonly logger: Logger,
  ) {}

  /**
   * BullMQ (about 12 MB per process) is started only when there is retry work: at once when
   * jobs already wait in the queue (scheduled by an earlier run or another replica), on this
   * replica's first schedule, or when a later `startIfWorkWaits` finds jobs (the consumer asks
   * every claim round, so retries of a replica that died are still delivered by the others).
   */
  async start(): Promise<void> {
    await this.startIfWorkWaits();
  }

  async startIfWorkWaits(): Promise<void> {
    if (this.starting || this.closed) return;
    const queue = `${this.keys.bullPrefix()}:${this.keys.retryQueueName(this.topic, this.group)}`;
    // BullMQ's lists of jobs not yet done (QueueKeys): due, running, delayed, prioritized, paused.
    const waiting = await this.connection.exists(
      ...['wait', 'active', 'delayed', 'prioritized', 'paused'].map((list) => `${queue}:${list}`),
    );
    // Closed while asking (a claim round racing close()): start nothing that would outlive it.
    if (waiting > 0 && !this.closed) await this.ensureStarted();
  }

  private ensureStarted(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('retry scheduler is closed'));
    this.starting ??= this.startBullmq().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private async startBullmq(): Promise<void> {
    const name = this.keys.retryQueueName(this.topic, this.group);
    const prefix = this.keys.bullPrefix();
    const { Queue, Worker } = await loadBullmq();
    const queue = new Queue(name, { connection: this.connection, prefix });
    // Without a listener BullMQ prints connection errors to the console; log them instead.
    queue.on('error', (error) => this.logger.debug({ err: error }, 'retry queue connection error'));
    const worker = new Worker<RetryJobData>(
      name,
      async (job) => {
        const { trimError } = await appendRetry(
          this.connection,
          job.data.retryStream,
          deserializeFields(job.data.fields),
        );
        if (trimError && !this.trimWarned) {
          this.trimWarned = true;
          this.logger.warn(
            { retryStream: job.data.retryStream, error: trimError },
            'cannot trim the retry stream (retries are still delivered; it grows until trimmed)',
          );
        }
      },
      { connection: this.connection, prefix, concurrency: 32 },
    );
    worker.on('error', (error) => this.logger.warn({ err: error }, 'retry worker error'));
    this.queue = queue;
    this.worker = worker;
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
  }

  async schedule(entry: StreamEntry, nextAttempt: number, delayMs: number): Promise<void> {
    await this.ensureStarted();
    const { envelope, metadata } = splitMetadata(entry.fields ?? []);
    const origin = metadata.get(MetadataField.retryOrigin) ?? `${entry.stream}@${entry.id}`;
    const fields = [
      ...envelope,
      MetadataField.retryAttempt,
      String(nextAttempt),
      MetadataField.retryOrigin,
      origin,
    ];
    const data: RetryJobData = {
      retryStream: this.keys.retryStream(this.topic, entry.partition, this.group),
      fields: serializeFields(fields),
    };
    await this.queue!.add('retry', data, {
      // One job per entry being retried (not per attempt number): when a crash between this
      // schedule and the ack delivers the entry again and it fails again, the second schedule
      // finds the first job and adds nothing, so the event comes back once.
      jobId: `${entry.stream}@${entry.id}`.replaceAll(':', '_'),
      delay: delayMs,
      attempts: 10,
      backoff: { type: 'exponential', delay: 200 },
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 24 * 3600 },
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => {});
    await this.worker?.close();
    await this.queue?.close();
  }
}

/**
 * Appends to a group's retry stream and trims, in one script, what the group has acked there
 * (`appendRetry-1.lua`): without it every retry ever scheduled stays in the stream. Entries
 * pending or not yet delivered are never trimmed. The trim is best effort: its error (an ACL
 * without XTRIM) comes back as `trimError` and the entry is appended all the same.
 */
async function appendRetry(
  client: RedisClient,
  retryStream: string,
  fields: Array<string | Buffer>,
): Promise<{ id: string; trimError: string | null }> {
  registerScripts(client);
  const script = (
    client as unknown as Record<string, (...args: Array<string | Buffer>) => Promise<unknown>>
  ).rsAppendRetry!;
  // Lua false comes back as null.
  const [id, trimError] = (await script.call(client, retryStream, ...fields)) as [
    string,
    string | null,
  ];
  return { id, trimError: trimError || null };
}
