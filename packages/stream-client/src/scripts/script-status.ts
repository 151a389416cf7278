import { EffectsFailedError, FencedError } from '../errors.js';

/**
 * Status codes the Lua scripts return (see each script's header), in one place, with the one
 * function that turns a refusal into a typed error.
 */
export const ScriptStatus = {
  /** The effects were applied, the event marked and the entry acked. */
  APPLIED: 1,
  /** The event was already applied by the group: acked, effects skipped. */
  DUPLICATE: 0,
  /** The caller's lease on the partition is gone: nothing done. */
  FENCED: -1,
  /** The entry is no longer pending (settled by someone else): nothing done. */
  NOT_PENDING: -2,
  /** An effect would fail (`{ -3, effect number, reason }`): nothing done. */
  EFFECT_REFUSED: -3,
  /**
   * Redis refused an effect the checks passed, after earlier ones were applied
   * (`{ -4, effect number, reason }`): the event is marked done, the entry left pending.
   */
  EFFECTS_PARTLY_APPLIED: -4,
} as const;

export type ScriptStatusCode = (typeof ScriptStatus)[keyof typeof ScriptStatus];

/** Where a refusal happened, for the error it becomes. */
export interface RefusalContext {
  topic: string;
  partition: number;
  epoch: number;
}

/**
 * A script's reply as a status the caller branches on (APPLIED, DUPLICATE, NOT_PENDING), or
 * the typed error for a refusal: FencedError when the lease is gone, EffectsFailedError when
 * an effect would fail.
 */
export function settledStatus(
  reply: unknown,
  context: RefusalContext,
): typeof ScriptStatus.APPLIED | typeof ScriptStatus.DUPLICATE | typeof ScriptStatus.NOT_PENDING {
  if (Array.isArray(reply)) {
    const [code, effect, reason] = reply as [number, number, Buffer | string];
    if (Number(code) === ScriptStatus.EFFECT_REFUSED)
      throw new EffectsFailedError(`effect ${effect} refused: ${String(reason)}`, Number(effect));
    if (Number(code) === ScriptStatus.EFFECTS_PARTLY_APPLIED)
      throw new EffectsFailedError(
        `effect ${effect} refused by Redis after effects 1 to ${Number(effect) - 1} were applied: ${String(reason)}; the event is marked done so no retry applies them twice`,
        Number(effect),
        undefined,
        { partlyApplied: true },
      );
    throw new TypeError(`unexpected script reply ${JSON.stringify(reply)}`);
  }
  const status = Number(reply);
  if (status === ScriptStatus.FENCED)
    throw new FencedError(context.topic, context.partition, context.epoch);
  if (
    status === ScriptStatus.APPLIED ||
    status === ScriptStatus.DUPLICATE ||
    status === ScriptStatus.NOT_PENDING
  )
    return status;
  throw new TypeError(`unexpected script reply ${JSON.stringify(reply)}`);
}
