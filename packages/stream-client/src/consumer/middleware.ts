import { performance } from 'node:perf_hooks';
import { HandlerTimeoutError, InvalidOptionError } from '../errors.js';
import { abortHandlerRun } from './handler-context.js';
import type { EventHandler } from './subscribe-options.js';

/**
 * Wraps a handler: gets the next handler, returns the one that runs in its place (Watermill's
 * `HandlerMiddleware`). Call `next(event, ctx)` to go on, skip it to stop there, wrap it to
 * time, trace, retry or throttle it.
 */
export type Middleware = (next: EventHandler) => EventHandler;

/**
 * Composes middleware around a handler. The first in the list is the outermost: it runs first
 * and sees the result last (the order of Watermill's `router.AddMiddleware(a, b)`).
 */
export function applyMiddleware(
  handler: EventHandler,
  middleware: readonly Middleware[],
): EventHandler {
  let composed = handler;
  for (let index = middleware.length - 1; index >= 0; index--) {
    const wrap = middleware[index];
    if (typeof wrap !== 'function')
      throw new InvalidOptionError(`middleware[${index}]`, 'a function (next) => handler', wrap);
    composed = wrap(composed);
    if (typeof composed !== 'function')
      throw new InvalidOptionError(
        `middleware[${index}]`,
        'a function that returns a handler',
        composed,
      );
  }
  return composed;
}

/**
 * Fails a run that has not settled after `ms`: a `HandlerTimeoutError` (retriable), and the
 * run's `ctx.signal` is aborted. Narrower than `handlerTimeoutMs`, for one handler of a map or
 * one kind of work; what the run still does afterwards is ignored like after
 * `handlerTimeoutMs` (its effects never apply, ordering key waits for it before the key's
 * next run).
 */
export function timeout(ms: number): Middleware {
  if (!Number.isInteger(ms) || ms < 1)
    throw new InvalidOptionError('timeout(ms)', 'a positive integer', ms);
  return (next) => (event, context) => {
    let run: Promise<void>;
    try {
      run = Promise.resolve(next(event, context));
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new HandlerTimeoutError(ms, 'the timeout middleware', run);
        abortHandlerRun(context, error);
        reject(error);
      }, ms);
      run.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  };
}

export interface ThrottleOptions {
  /** Handler starts per second, over every event this middleware wraps. */
  perSecond: number;
  /** Starts allowed at once after a quiet spell. Default 1. */
  burst?: number;
}

/**
 * Lets at most `perSecond` runs start per second (a token bucket in this process, shared by
 * everything the middleware wraps): Watermill's `Throttle`, for a downstream API with a rate
 * limit. Runs wait in a queue, in arrival order, holding their concurrency slot (so reading
 * slows down with them); a run whose signal aborts while it waits (a timeout, shutdown, a lost
 * partition) leaves the queue without taking a token, so the rate is never spent on runs that
 * do not start.
 */
export function throttle(options: ThrottleOptions): Middleware {
  const { perSecond, burst = 1 } = options;
  if (!(perSecond > 0) || !Number.isFinite(perSecond))
    throw new InvalidOptionError('throttle.perSecond', 'a number > 0', perSecond);
  if (!Number.isInteger(burst) || burst < 1)
    throw new InvalidOptionError('throttle.burst', 'a positive integer', burst);
  const bucket = new TokenBucket(1000 / perSecond, burst);
  return (next) => async (event, context) => {
    if (!(await bucket.take(context.signal))) context.signal.throwIfAborted();
    return next(event, context);
  };
}

interface Waiter {
  start: (started: boolean) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

/** Starts spaced `intervalMs` apart after the first `burst`, handed out in arrival order. */
class TokenBucket {
  private tokens: number;
  private refilledAt = performance.now();
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** True once the caller may start; false when its signal aborted first (no token taken). */
  take(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    this.refill();
    if (this.queue.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((start) => {
      const waiter: Waiter = {
        start,
        signal,
        onAbort: () => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          start(false);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.schedule();
    });
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) / this.intervalMs);
    this.refilledAt = now;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    const waitMs = Math.max(0, (1 - this.tokens) * this.intervalMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.release();
    }, waitMs);
  }

  private release(): void {
    this.refill();
    while (this.queue.length > 0 && this.tokens >= 1) {
      const waiter = this.queue.shift()!;
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      this.tokens -= 1;
      waiter.start(true);
    }
    this.schedule();
  }
}
