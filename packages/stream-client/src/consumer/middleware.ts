import { performance } from 'node:perf_hooks';
import { HandlerTimeoutError, InvalidOptionError } from '../errors.js';
import { abortHandlerRun } from './handler-context.js';
import type { EventHandler } from './subscribe-options.js';
import { abortableSleep } from './waits.js';

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
 * limit. A run waits for its turn holding its concurrency slot, so reading slows down with
 * it, and the wait ends early when the run's signal aborts (shutdown, lost partition).
 */
export function throttle(options: ThrottleOptions): Middleware {
  const { perSecond, burst = 1 } = options;
  if (!(perSecond > 0) || !Number.isFinite(perSecond))
    throw new InvalidOptionError('throttle.perSecond', 'a number > 0', perSecond);
  if (!Number.isInteger(burst) || burst < 1)
    throw new InvalidOptionError('throttle.burst', 'a positive integer', burst);
  const intervalMs = 1000 / perSecond;
  let tokens = burst;
  let refilledAt = performance.now();
  /** Reserves the next start: how long until it may happen (tokens may go negative: a queue). */
  const reserve = (): number => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + (now - refilledAt) / intervalMs);
    refilledAt = now;
    tokens -= 1;
    return tokens >= 0 ? 0 : -tokens * intervalMs;
  };
  return (next) => async (event, context) => {
    const waitMs = reserve();
    if (waitMs > 0) {
      await abortableSleep(waitMs, context.signal);
      context.signal.throwIfAborted();
    }
    return next(event, context);
  };
}
