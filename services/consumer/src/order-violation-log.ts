import type { HandlerContext } from '@redstream/stream-client';
import type { Logger } from 'pino';

const SUMMARY_INTERVAL_MS = 10_000;

/**
 * Under ORDERING=none the replicas share every partition, so events of one order are handled
 * out of order now and then, by design. The demo handler counts each one (the run report, and
 * `orders_demo_events_total{outcome="out-of-order"}`), and its warn line per event would bury
 * every other line (thousands in one demo run). This moves those lines to debug and logs one
 * summary line per interval while the count grows, and a last one at shutdown.
 * Under ORDERING=key a violation is a bug and stays a warning: this is not used there.
 */
export class OrderViolationLog {
  private total = 0;
  private logged = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = SUMMARY_INTERVAL_MS,
  ) {}

  /** One more out-of-order event (the handler's `onOutcome`). */
  count(): void {
    this.total++;
    this.timer ??= setInterval(() => this.summarize(), this.intervalMs).unref();
  }

  /** The handler's context, with the order-violation warnings of its logger at debug level. */
  quiet(ctx: HandlerContext): HandlerContext {
    return new Proxy(ctx, QUIET_CONTEXT);
  }

  /** Stops the interval and logs what is not summarized yet. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.summarize();
  }

  private summarize(): void {
    if (this.total === this.logged) return;
    this.logger.info(
      { orderViolations: this.total, new: this.total - this.logged },
      'order violations counted (ORDERING=none: replicas share partitions, so one order can be handled out of order; each is logged at debug level)',
    );
    this.logged = this.total;
  }
}

// The context is a class with getters (lazy effects and logger): they must run on the real
// object, so that effects queued through the proxy are the ones the consumer applies.
const QUIET_CONTEXT: ProxyHandler<HandlerContext> = {
  get(target, property) {
    if (property === 'log') return demoteViolations(target.log);
    const value: unknown = Reflect.get(target, property, target);
    return typeof value === 'function' ? value.bind(target) : value;
  },
};

function demoteViolations(log: Logger): Logger {
  const warn = (...args: unknown[]) => {
    const [, message] = args;
    const call =
      typeof message === 'string' && message.startsWith('order violation') ? 'debug' : 'warn';
    (log[call] as (...values: unknown[]) => void)(...args);
  };
  // pino child loggers are prototype chains themselves: everything but warn is the original's.
  return Object.create(log, { warn: { value: warn } }) as Logger;
}
