import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../connection/redis-connection.js';
import type { Effects } from '../consumer/effects.js';
import { callPreEncoded, PreEncodedScript } from './resp-command.js';

interface ScriptSource {
  command: string;
  numberOfKeys: number | undefined;
  lua: string;
}

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Scripts live as `<camelName>-<numKeys>.lua` files next to this module (`-n`: the caller
 * passes the key count). They are read once and registered on each client with
 * defineCommand, which sends EVALSHA and falls back to EVAL after a server restart.
 */
const sources: ScriptSource[] = readdirSync(here)
  .filter((file) => file.endsWith('.lua'))
  .map((file) => {
    const match = /^([A-Za-z]+)-(\d+|n)\.lua$/.exec(file);
    if (!match) throw new Error(`Lua script file ${file} must be named <camelName>-<numKeys>.lua`);
    const [, name, keys] = match;
    return {
      command: `rs${name![0]!.toUpperCase()}${name!.slice(1)}`,
      numberOfKeys: keys === 'n' ? undefined : Number(keys),
      lua: readFileSync(join(here, file), 'utf8'),
    };
  });
for (const source of sources) {
  const twins = sources.filter((other) => other.command === source.command);
  // Two files for one command (a renamed script whose old file stayed behind in a build):
  // which one wins would depend on directory order.
  if (twins.length > 1)
    throw new Error(
      `Lua scripts ${source.command}: ${twins.length} files define it in ${here}; remove the stale one`,
    );
}

const appendChunkSource = sources.find((source) => source.command === 'rsAppendChunk');
if (!appendChunkSource) throw new Error(`Lua script appendChunk-n.lua is missing in ${here}`);
/** The producer's chunk append, sent pre-encoded (resp-command.ts says why). */
const appendChunkScript = new PreEncodedScript(appendChunkSource.lua);

const settleFencedSource = sources.find((source) => source.command === 'rsSettleFenced');
if (!settleFencedSource) throw new Error(`Lua script settleFenced-3.lua is missing in ${here}`);
/** The ordered consumer's acks and run counts of a tick, sent pre-encoded (one per partition and tick). */
const settleFencedScript = new PreEncodedScript(settleFencedSource.lua);

const registered = new WeakSet<RedisClient>();

export function registerScripts(client: RedisClient): void {
  if (registered.has(client)) return;
  for (const source of sources) {
    client.defineCommand(source.command, {
      lua: source.lua,
      ...(source.numberOfKeys === undefined ? {} : { numberOfKeys: source.numberOfKeys }),
    });
  }
  registered.add(client);
}

type Arg = string | number | Buffer;

type Reply = unknown;

/** Typed calls of the registered scripts (ioredis adds custom commands untyped). */
export class LuaScripts {
  constructor(private readonly client: RedisClient) {
    registerScripts(client);
  }

  private call(command: string, args: Arg[]): Promise<Reply> {
    return (this.client as unknown as Record<string, (...a: Arg[]) => Promise<Reply>>)[command]!(
      ...args,
    );
  }

  /**
   * Appends a partition's chunk in one call (appendChunk-n.lua). Per event: the entry id, or
   * `{ duplicate }` with the first append's entry id when its marker was already set.
   */
  async appendChunk(args: {
    stream: string;
    windowMs: number;
    trim: [string, string] | undefined;
    events: ReadonlyArray<{ fields: ReadonlyArray<Arg>; marker: string | undefined }>;
  }): Promise<Array<{ entryId: string; duplicate: boolean }>> {
    const keys: string[] = [args.stream];
    const argv: Arg[] = [args.windowMs, args.trim?.[0] ?? '', args.trim?.[1] ?? ''];
    for (const { fields, marker } of args.events) {
      // The count's sign marks idempotence: an event without fields would read as neither.
      if (fields.length === 0) throw new Error('appendChunk: an event has no fields');
      if (marker === undefined) argv.push(fields.length);
      else {
        keys.push(marker);
        argv.push(-fields.length);
      }
      for (const field of fields) argv.push(field);
    }
    const replies = (await callPreEncoded(this.client, appendChunkScript, keys, argv)) as string[];
    return replies.map((reply) =>
      reply.charCodeAt(0) === 61 /* '=' */
        ? { entryId: reply.slice(1), duplicate: true }
        : { entryId: reply, duplicate: false },
    );
  }

  ackAndMark(args: {
    stream: string;
    doneMarkers: string;
    lease: string;
    runs: string;
    group: string;
    entryId: string;
    eventId: string;
    windowMs: number;
    expectedLease: string;
    effects: Effects;
  }): Promise<unknown> {
    const { effects } = args;
    const keys = [args.stream, args.doneMarkers, args.lease, args.runs, ...effects.keys];
    const encoded: Arg[] = [];
    // Key indices are 1-based into KEYS, after the script's own four keys.
    for (const { command, keyIndex, args: rest } of effects.commands)
      encoded.push(command, keyIndex + 5, rest.length, ...rest);
    return this.call('rsAckAndMark', [
      keys.length,
      ...keys,
      args.group,
      args.entryId,
      args.eventId,
      args.windowMs,
      args.expectedLease,
      effects.commands.length,
      ...encoded,
    ]);
  }

  /** -1 when fenced, else how many entries were acked. */
  settleFenced(args: {
    stream: string;
    lease: string;
    runs: string;
    expectedLease: string;
    group: string;
    ackIds: string[];
    /** entry id, run count, ... (0 deletes the count) */
    runCounts: Arg[];
  }): Promise<number> {
    const argv: Arg[] = [args.expectedLease, args.group, args.ackIds.length];
    for (const id of args.ackIds) argv.push(id);
    for (const value of args.runCounts) argv.push(value);
    return callPreEncoded(
      this.client,
      settleFencedScript,
      [args.stream, args.lease, args.runs],
      argv,
    ) as Promise<number>;
  }

  deadLetter(args: {
    stream: string;
    deadLetters: string;
    lease: string;
    runs: string;
    group: string;
    entryId: string;
    expectedLease: string;
    maxLength: number;
    fields: Arg[];
  }): Promise<string | number> {
    return this.call('rsDeadLetter', [
      args.stream,
      args.deadLetters,
      args.lease,
      args.runs,
      args.group,
      args.entryId,
      args.expectedLease,
      args.maxLength,
      ...args.fields,
    ]) as Promise<string | number>;
  }

  acquireLease(
    lease: string,
    epoch: string,
    consumer: string,
    ttlMs: number,
  ): Promise<[number, number | string]> {
    return this.call('rsAcquireLease', [lease, epoch, consumer, ttlMs]) as Promise<
      [number, number | string]
    >;
  }

  renewLease(lease: string, expected: string, ttlMs: number): Promise<number> {
    return this.call('rsRenewLease', [lease, expected, ttlMs]) as Promise<number>;
  }

  releaseLease(lease: string, expected: string): Promise<number> {
    return this.call('rsReleaseLease', [lease, expected]) as Promise<number>;
  }

  /** Buffers in, Buffers out: entries keep binary payloads intact. -1 when fenced. */
  readPendingFenced(args: {
    stream: string;
    lease: string;
    runs: string;
    expectedLease: string;
    group: string;
    consumer: string;
    count: number;
    after: string;
  }) {
    return this.call('rsReadPendingFencedBuffer', [
      args.stream,
      args.lease,
      args.runs,
      args.expectedLease,
      args.group,
      args.consumer,
      args.count,
      args.after,
    ]) as Promise<-1 | Array<[Buffer, Buffer[], number]>>;
  }

  claimFenced(
    stream: string,
    lease: string,
    expected: string,
    group: string,
    consumer: string,
    cursor: string,
    count: number,
  ) {
    return this.call('rsClaimFenced', [
      stream,
      lease,
      expected,
      group,
      consumer,
      cursor,
      count,
    ]) as Promise<-1 | [string, string[], string[]?]>;
  }

  /** -1 when fenced, else how many departed consumer names were removed. */
  forgetConsumers(
    stream: string,
    lease: string,
    expected: string,
    group: string,
    consumer: string,
  ) {
    return this.call('rsForgetConsumers', [
      stream,
      lease,
      expected,
      group,
      consumer,
    ]) as Promise<number>;
  }

  redrive(
    stream: string,
    deadLetters: string,
    deadLetterId: string,
    fields: Arg[],
  ): Promise<string> {
    return this.call('rsRedrive', [
      stream,
      deadLetters,
      deadLetterId,
      ...fields,
    ]) as Promise<string>;
  }

  /** Refreshes a member (see heartbeat-2.lua for the reply). */
  heartbeat(args: {
    members: string;
    pulse: string;
    member: string;
    sessionTimeoutMs: number;
    lapseAfterMs: number;
  }): Promise<[number, number, number, ...string[]]> {
    return this.call('rsHeartbeat', [
      args.members,
      args.pulse,
      args.member,
      args.sessionTimeoutMs,
      args.lapseAfterMs,
    ]) as Promise<[number, number, number, ...string[]]>;
  }

  /** Charges a request to a token-bucket pair (see takeTokens-1.lua for the reply). */
  takeTokens(args: {
    bucket: string;
    eventsPerSecond: number;
    bytesPerSecond: number;
    burstSeconds: number;
    events: number;
    bytes: number;
  }): Promise<[number, number, number, number, number, number]> {
    return this.call('rsTakeTokens', [
      args.bucket,
      args.eventsPerSecond,
      args.bytesPerSecond,
      args.burstSeconds,
      args.events,
      args.bytes,
    ]) as Promise<[number, number, number, number, number, number]>;
  }
}

/** Queues the read-only partition snapshot (partitionSnapshot-n.lua) on a pipeline. */
export function queuePartitionSnapshot(
  pipeline: ChainableCommander,
  keys: string[],
  args: Arg[],
): void {
  (pipeline as unknown as Record<string, (...args: Arg[]) => void>).rsPartitionSnapshot!(
    keys.length,
    ...keys,
    ...args,
  );
}
