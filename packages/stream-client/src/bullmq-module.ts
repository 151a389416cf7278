/**
 * BullMQ, loaded on first use. Only delayed publish and the retries of ordering 'none' need
 * it; an ordered consumer or a plain producer never does, and loading it costs about 12 MB of
 * resident memory per process.
 */
let loading: Promise<typeof import('bullmq')> | undefined;

export function loadBullmq(): Promise<typeof import('bullmq')> {
  loading ??= import('bullmq');
  return loading;
}
