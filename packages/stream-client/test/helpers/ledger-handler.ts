import type { EventHandler } from '../../src/index.js';

/**
 * The handler the reliability tests run: it records each application through the
 * effectively-once step (see effects-ledger.ts for what is recorded and how it is read).
 */
export function ledgerHandler(
  consumer: string,
  delayMs = 0,
): EventHandler<{ key: string; seq: number }> {
  return async (event, ctx) => {
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const { key, seq } = event.payload;
    const lastKey = ctx.stateKey(`last:${key}`);
    const last = Number((await ctx.redis.get(lastKey)) ?? 0);
    if (seq !== last + 1) ctx.effects.incrby(ctx.stateKey('violations'), 1);
    ctx.effects
      .set(lastKey, String(Math.max(seq, last)))
      .hincrby(ctx.stateKey('handled'), event.id, 1)
      .hincrby(ctx.stateKey('consumers'), consumer, 1);
    // Who applied it under which lease epoch, in application order (ordering key).
    if (ctx.fencingToken !== undefined)
      ctx.effects.rpush(ctx.stateKey('owners'), `${ctx.fencingToken}:${consumer}`);
  };
}
