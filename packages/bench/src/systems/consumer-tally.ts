import { type BenchPayload, touchPayload, wallClockMs } from '../bench-event.js';
import type { ConsumeResult } from '../runner/protocol.js';
import { summarizeLatencies } from '../stats.js';

/**
 * What every system's handler does: note the time of the first and last event, count, touch
 * the payload, and in the latency scenario record publish-to-handler time (ms).
 */
export class ConsumerTally {
  handled = 0;
  private firstAt = 0;
  private lastAt = 0;
  private checksum = 0;
  private readonly latencies: number[] = [];

  constructor(private readonly latencyFromSequence: number | undefined) {}

  handle(payload: BenchPayload): void {
    const now = wallClockMs();
    if (this.handled === 0) this.firstAt = now;
    this.handled++;
    this.lastAt = now;
    this.checksum += touchPayload(payload);
    if (this.latencyFromSequence !== undefined && payload.sequence >= this.latencyFromSequence)
      this.latencies.push(now - payload.sentAt);
  }

  result(peakRssMb: number, cpuMs: number): ConsumeResult {
    return {
      role: 'consume',
      handled: this.handled,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      peakRssMb,
      cpuMs,
      ...(this.latencyFromSequence !== undefined
        ? { latency: summarizeLatencies(this.latencies) }
        : {}),
    };
  }
}
