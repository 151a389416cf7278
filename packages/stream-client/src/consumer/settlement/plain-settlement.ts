import type { Logger } from 'pino';
import type { RedisClient } from '../../connection/redis-connection.js';
import type { RedisKeys } from '../../keys.js';
import type { LuaScripts } from '../../scripts/lua-scripts.js';
import { ScriptStatus, settledStatus } from '../../scripts/script-status.js';
import type { RetryScheduler } from '../retry-scheduler.js';
import type { ResolvedSubscribeOptions } from '../subscribe-options.js';
import { AckBatcher } from './ack-batcher.js';
import { deadLetterFields } from './dead-letter-fields.js';
import type { Settlement } from './settlement.js';

/**
 * Ordering none: acks are batched per stream and tick without waiting for them (a failed
 * batch leaves its entries pending, and the consumer re-reads its pending list); the
 * effectively-once step and dead-lettering run their scripts unfenced.
 */
export class PlainSettlement implements Settlement {
  private readonly acks: AckBatcher;

  constructor(
    redis: RedisClient,
    private readonly scripts: LuaScripts,
    private readonly keys: RedisKeys,
    private readonly options: ResolvedSubscribeOptions<unknown>,
    private readonly retries: () => RetryScheduler | undefined,
    logger: Logger,
    onAckFailed: () => void,
  ) {
    this.acks = new AckBatcher(
      async (stream, ids) => {
        await redis.xack(stream, options.group, ...ids);
      },
      (error) => {
        onAckFailed();
        logger.warn(
          { err: error },
          'ack batch failed; its entries stay pending and are read again',
        );
      },
    );
  }

  ack: Settlement['ack'] = (entry) => {
    this.acks.push(entry.stream, entry.id);
    return undefined;
  };

  ackAndMark: Settlement['ackAndMark'] = async (entry, eventId, effects) => {
    const { topic, group } = this.options;
    const reply = await this.scripts.ackAndMark({
      stream: entry.stream,
      doneMarkers: this.keys.doneMarkers(topic, entry.partition, group),
      lease: this.keys.lease(topic, entry.partition, group),
      runs: this.keys.runs(topic, entry.partition, group),
      group,
      entryId: entry.id,
      eventId,
      windowMs: this.options.dedupeWindowMs,
      expectedLease: '',
      effects,
    });
    return settledStatus(reply, { topic, partition: entry.partition, epoch: -1 });
  };

  deadLetter: Settlement['deadLetter'] = async (entry, reason, error, attempts) => {
    const { topic, group, consumer } = this.options;
    const reply = await this.scripts.deadLetter({
      stream: entry.stream,
      deadLetters: this.keys.deadLetters(topic, entry.partition),
      lease: this.keys.lease(topic, entry.partition, group),
      runs: this.keys.runs(topic, entry.partition, group),
      group,
      entryId: entry.id,
      expectedLease: '',
      maxLength: this.options.deadLetterMaxLen,
      fields: deadLetterFields(entry, { reason, error, attempts, group, consumer }),
    });
    return reply !== ScriptStatus.NOT_PENDING;
  };

  scheduleRetry: NonNullable<Settlement['scheduleRetry']> = async (entry, nextAttempt, delayMs) => {
    // The retry job's id is derived from this entry, so a crash between scheduling and the
    // ack (the entry is then delivered again and fails again) schedules the same job, once.
    await this.retries()!.schedule(entry, nextAttempt, delayMs);
    await this.acks.add(entry.stream, entry.id);
  };

  drain(): Promise<void> {
    return this.acks.drain();
  }
}
