/** Status codes the Lua scripts return; one place maps them to meaning. */
export const ScriptStatus = {
  APPLIED: 1,
  DUPLICATE: 0,
  FENCED: -1,
  NOT_PENDING: -2,
} as const;

export type ScriptStatusCode = (typeof ScriptStatus)[keyof typeof ScriptStatus];
