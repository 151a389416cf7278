import type { Redis } from 'ioredis';

/**
 * What a redstream key is, from the layout of packages/stream-client/src/keys.ts: partition
 * keys `{<prefix>:<topic>:<partition>}:<kind>...` (stream, lease, epoch, runs, done, pub, dlq,
 * retry, state), topic keys `{<prefix>:<topic>}:meta|groups|group:<g>:members[:pulse]`, and
 * `other` for the rest (the topic set, anything not redstream's).
 */
export function keyKind(key: string): string {
  const partition = /^\{[^}]*:\d+\}:([a-z]+)/.exec(key);
  if (partition) return partition[1]!;
  const topic = /^\{[^}]*\}:(meta|groups|group:.+:members(:pulse)?)$/.exec(key);
  if (topic) {
    if (topic[2]) return 'pulse';
    return topic[1]!.startsWith('group:') ? 'members' : topic[1]!;
  }
  return 'other';
}

/** Bytes per key kind (MEMORY USAGE summed), and how many keys of each. */
export interface KeyMemory {
  bytes: Record<string, number>;
  keys: Record<string, number>;
}

export function sumByKind(usage: ReadonlyArray<readonly [string, number]>): KeyMemory {
  const bytes: Record<string, number> = {};
  const keys: Record<string, number> = {};
  for (const [key, size] of usage) {
    const kind = keyKind(key);
    bytes[kind] = (bytes[kind] ?? 0) + size;
    keys[kind] = (keys[kind] ?? 0) + 1;
  }
  return { bytes, keys };
}

/** MEMORY USAGE (every nested value counted) of every key of the server, summed by kind. */
export async function keyMemory(admin: Redis): Promise<KeyMemory> {
  const usage: Array<[string, number]> = [];
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'COUNT', 1000);
    cursor = next;
    const pipeline = admin.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    const replies = (await pipeline.exec()) ?? [];
    keys.forEach((key, i) => {
      const [error, size] = replies[i] ?? [];
      if (!error && typeof size === 'number') usage.push([key, size]);
    });
  } while (cursor !== '0');
  return sumByKind(usage);
}

/** `used_memory` of INFO memory, bytes. */
export async function usedMemory(admin: Redis): Promise<number> {
  const info = await admin.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}
