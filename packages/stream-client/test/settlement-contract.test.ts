import { uniqueName } from '@redstream/testkit';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Effects } from '../src/consumer/effects.js';
import { PartitionLease } from '../src/consumer/ordered/partition-lease.js';
import { FencedSettlement } from '../src/consumer/settlement/fenced-settlement.js';
import { PlainSettlement } from '../src/consumer/settlement/plain-settlement.js';
import type { Settlement } from '../src/consumer/settlement/settlement.js';
import type { StreamEntry } from '../src/consumer/stream-entry.js';
import { resolveSubscribeOptions } from '../src/consumer/subscribe-options.js';
import { EffectsFailedError, FencedError, type StreamClient } from '../src/index.js';
import { LuaScripts } from '../src/scripts/lua-scripts.js';
import { ScriptStatus } from '../src/scripts/script-status.js';
import { useRedis } from './helpers/redis.js';

const env = useRedis();

/**
 * One contract, both settlements: plain (ordering none) and fenced (ordering key) must agree
 * on every outcome the entry processor branches on, against a real Redis.
 */
interface Fixture {
  client: StreamClient;
  settlement: Settlement;
  stream: string;
  /** An entry read by the group, pending for consumer 'c'. */
  pendingEntry(): Promise<StreamEntry>;
  stateKey(name: string): string;
  effects(): Effects;
  isPending(entry: StreamEntry): Promise<boolean>;
  /** Another replica takes the partition (fenced only). */
  takeOver?(): Promise<void>;
}

async function fixture(kind: 'plain' | 'fenced'): Promise<Fixture> {
  const client = await env.client();
  const topic = uniqueName('settle');
  await client.ensureTopic(topic, { partitions: 1 });
  const stream = client.keys.partitionStream(topic, 0);
  await client.redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
  const scripts = new LuaScripts(client.redis);
  const options = resolveSubscribeOptions({
    topic,
    group: 'g',
    consumer: 'c',
    ordering: kind === 'plain' ? 'none' : 'key',
    handler: () => {},
  });
  const lease =
    kind === 'fenced'
      ? await PartitionLease.acquire(
          {
            scripts,
            keeperScripts: scripts,
            keys: client.keys,
            topic,
            group: 'g',
            consumer: 'c',
            ttlMs: 30_000,
          },
          0,
        )
      : undefined;
  const settlement =
    kind === 'plain'
      ? new PlainSettlement(
          client.redis,
          scripts,
          client.keys,
          options,
          () => undefined,
          pino({ level: 'silent' }),
          () => {},
        )
      : new FencedSettlement(scripts, client.keys, options);
  let n = 0;
  return {
    client,
    settlement,
    stream,
    async pendingEntry() {
      const { fields } = client.codec.encode({ type: 't', key: 'k', payload: { n: ++n } });
      await client.redis.xadd(stream, '*', ...fields);
      const read = (await client.redis.xreadgroupBuffer(
        'GROUP',
        'g',
        'c',
        'COUNT',
        1,
        'STREAMS',
        stream,
        '>',
      )) as Array<[Buffer, Array<[Buffer, Buffer[]]>]>;
      const [id, entryFields] = read[0]![1][0]!;
      return {
        stream,
        partition: 0,
        id: id.toString(),
        fields: entryFields,
        deliveryCount: 1,
        fromRetry: false,
        ...(lease ? { lease } : {}),
      };
    },
    stateKey: (name) => client.keys.state(topic, 0, name),
    effects: () => new Effects(client.keys.partitionHashTag(topic, 0)),
    async isPending(entry) {
      const rows = (await client.redis.xpending(stream, 'g', entry.id, entry.id, 1)) as unknown[];
      return rows.length === 1;
    },
    ...(lease
      ? {
          takeOver: async () => {
            await client.redis.set(lease.key, 'someone-else|99');
          },
        }
      : {}),
  };
}

describe.each(['plain', 'fenced'] as const)('settlement contract (%s)', (kind) => {
  it('acks: the entry leaves the pending list', async () => {
    const f = await fixture(kind);
    const entry = await f.pendingEntry();
    await (f.settlement.ack(entry) ?? Promise.resolve());
    await f.settlement.drain();
    expect(await f.isPending(entry)).toBe(false);
  });

  it('applies effects with the ack and the marker once; a second try is a duplicate', async () => {
    const f = await fixture(kind);
    const entry = await f.pendingEntry();
    const effects = f.effects().hincrby(f.stateKey('h'), 'n', 2).set(f.stateKey('s'), '\u0000k5');
    expect(await f.settlement.ackAndMark(entry, 'event-1', effects)).toBe(ScriptStatus.APPLIED);
    expect(await f.client.redis.hget(f.stateKey('h'), 'n')).toBe('2');
    // A value that looks like the old in-band key marker is stored as it is.
    expect(await f.client.redis.get(f.stateKey('s'))).toBe('\u0000k5');
    expect(await f.isPending(entry)).toBe(false);
    const again = await f.pendingEntry();
    expect(await f.settlement.ackAndMark(again, 'event-1', effects)).toBe(ScriptStatus.DUPLICATE);
    expect(await f.client.redis.hget(f.stateKey('h'), 'n')).toBe('2');
    expect(await f.isPending(again)).toBe(false);
  });

  it.each([
    [
      'HINCRBY on a string',
      async (f: Fixture) => {
        await f.client.redis.set(f.stateKey('bad'), 'text');
        return f.effects().hincrby(f.stateKey('good'), 'n', 1).hincrby(f.stateKey('bad'), 'n', 1);
      },
      /WRONGTYPE/,
    ],
    [
      'HINCRBY on a field that is not an integer',
      async (f: Fixture) => {
        await f.client.redis.hset(f.stateKey('bad'), 'n', 'x');
        return f.effects().hincrby(f.stateKey('good'), 'n', 1).hincrby(f.stateKey('bad'), 'n', 1);
      },
      /not an integer/,
    ],
    [
      'INCRBY on a list',
      async (f: Fixture) => {
        await f.client.redis.rpush(f.stateKey('bad'), 'a');
        return f.effects().hincrby(f.stateKey('good'), 'n', 1).incrby(f.stateKey('bad'), 1);
      },
      /WRONGTYPE/,
    ],
    [
      'INCRBY past 2^63',
      async (f: Fixture) => {
        await f.client.redis.set(f.stateKey('bad'), '9223372036854000000');
        return f
          .effects()
          .hincrby(f.stateKey('good'), 'n', 1)
          .incrby(f.stateKey('bad'), 1_000_000_000_000_000);
      },
      /overflow/,
    ],
    [
      'INCRBY after an earlier effect of the same step set a text',
      async (f: Fixture) =>
        f
          .effects()
          .hincrby(f.stateKey('good'), 'n', 1)
          .set(f.stateKey('bad'), 'text')
          .incrby(f.stateKey('bad'), 1),
      /not an integer/,
    ],
    [
      'HSET after an earlier effect of the same step made a list',
      async (f: Fixture) =>
        f
          .effects()
          .hincrby(f.stateKey('good'), 'n', 1)
          .rpush(f.stateKey('bad'), 'x')
          .hset(f.stateKey('bad'), { a: '1' }),
      /WRONGTYPE/,
    ],
  ])(
    'refuses %s before writing anything; the entry stays pending',
    async (_name, build, reason) => {
      const f = await fixture(kind);
      const entry = await f.pendingEntry();
      const effects = await build(f);
      const refused = await f.settlement.ackAndMark(entry, 'event-x', effects).catch((e) => e);
      expect(refused).toBeInstanceOf(EffectsFailedError);
      expect((refused as Error).message).toMatch(reason);
      expect(await f.client.redis.exists(f.stateKey('good'))).toBe(0);
      expect(await f.isPending(entry)).toBe(true);
    },
  );

  it.each([
    ['an EXPIRE Redis would overflow', ['EXPIRE', '10000000000000000']],
    ['a score that underflows a double', ['ZADD', '1e-400', 'm']],
    ['a SETBIT offset past the smallest bulk limit', ['SETBIT', '1073741824', '1']],
    ['a command outside the allow-list', ['FLUSHALL']],
  ])('re-checks in the script what the builder checks: %s', async (_name, [command, ...args]) => {
    const f = await fixture(kind);
    const entry = await f.pendingEntry();
    // Past the builder (a client of another version, a hand-made call): the script decides.
    const effects = f.effects().hincrby(f.stateKey('good'), 'n', 1);
    effects.keys.push(f.stateKey('bad'));
    effects.commands.push({ command: command!, keyIndex: 1, args: args as string[] });
    const refused = await f.settlement.ackAndMark(entry, 'event-raw', effects).catch((e) => e);
    expect(refused).toBeInstanceOf(EffectsFailedError);
    expect((refused as EffectsFailedError).partlyApplied).toBe(false);
    expect(await f.client.redis.exists(f.stateKey('good'))).toBe(0);
    expect(await f.isPending(entry)).toBe(true);
  });

  it('marks the event done when Redis refuses an effect the checks passed, after earlier ones applied', async () => {
    const f = await fixture(kind);
    const entry = await f.pendingEntry();
    // A stream that has used up its last id: XADD * passes every check, then fails.
    await f.client.redis.xadd(
      f.stateKey('full'),
      '18446744073709551615-18446744073709551615',
      'f',
      'v',
    );
    const effects = f
      .effects()
      .hincrby(f.stateKey('good'), 'n', 1)
      .xadd(f.stateKey('full'), { f: 'v' });
    const refused = await f.settlement.ackAndMark(entry, 'event-partial', effects).catch((e) => e);
    expect(refused).toBeInstanceOf(EffectsFailedError);
    expect(refused).toMatchObject({ partlyApplied: true, retriable: false, effect: 2 });
    expect(await f.client.redis.hget(f.stateKey('good'), 'n')).toBe('1');
    // Marked done: a retry is a duplicate and applies nothing twice; the entry waits to be
    // dead-lettered.
    expect(await f.isPending(entry)).toBe(true);
    expect(await f.settlement.ackAndMark(entry, 'event-partial', effects)).toBe(
      ScriptStatus.DUPLICATE,
    );
    expect(await f.client.redis.hget(f.stateKey('good'), 'n')).toBe('1');
  });

  it('accepts a step whose later effect fits what an earlier one left (DEL, then HSET on a former string)', async () => {
    const f = await fixture(kind);
    const entry = await f.pendingEntry();
    await f.client.redis.set(f.stateKey('k'), 'text');
    const effects = f.effects().del(f.stateKey('k')).hset(f.stateKey('k'), { a: '1' });
    expect(await f.settlement.ackAndMark(entry, 'event-2', effects)).toBe(ScriptStatus.APPLIED);
    expect(await f.client.redis.hget(f.stateKey('k'), 'a')).toBe('1');
  });

  it('dead-letters and acks in one step; an entry no longer pending writes nothing', async () => {
    const f = await fixture(kind);
    const entry = await f.pendingEntry();
    expect(await f.settlement.deadLetter(entry, 'non-retriable', new Error('no'), 1)).toBe(true);
    expect(await f.isPending(entry)).toBe(false);
    const dlq = f.stream.replace(/:stream$/, ':dlq');
    expect(await f.client.redis.xlen(dlq)).toBe(1);
    expect(await f.settlement.deadLetter(entry, 'non-retriable', new Error('no'), 1)).toBe(false);
    expect(await f.client.redis.xlen(dlq)).toBe(1);
    expect(await f.settlement.ackAndMark(entry, 'event-3', f.effects())).toBe(
      ScriptStatus.NOT_PENDING,
    );
  });

  if (kind === 'fenced') {
    it('refuses every step once another replica holds the lease, and does nothing', async () => {
      const f = await fixture(kind);
      const entry = await f.pendingEntry();
      await f.takeOver!();
      await expect(f.settlement.ack(entry)).rejects.toBeInstanceOf(FencedError);
      await expect(
        f.settlement.ackAndMark(entry, 'e', f.effects().incrby(f.stateKey('n'), 1)),
      ).rejects.toBeInstanceOf(FencedError);
      await expect(
        f.settlement.deadLetter(entry, 'non-retriable', new Error('no'), 1),
      ).rejects.toBeInstanceOf(FencedError);
      expect(await f.isPending(entry)).toBe(true);
      expect(await f.client.redis.exists(f.stateKey('n'))).toBe(0);
    });

    it('sets the run counts of several entries in one tick, each of them', async () => {
      const f = await fixture(kind);
      const entries = [await f.pendingEntry(), await f.pendingEntry(), await f.pendingEntry()];
      const fenced = f.settlement as FencedSettlement;
      await Promise.all(entries.map((entry) => fenced.setRuns(entry, 2)));
      const runs = await f.client.redis.hgetall(f.stream.replace(/:stream$/, ':runs:g'));
      expect(runs).toEqual(Object.fromEntries(entries.map((entry) => [entry.id, '2'])));
    });

    it('keeps the run count, set absolutely (a resend adds nothing), until the ack deletes it', async () => {
      const f = await fixture(kind);
      const entry = await f.pendingEntry();
      const fenced = f.settlement as FencedSettlement;
      const runsKey = f.stream.replace(/:stream$/, ':runs:g');
      const runs = async () => f.client.redis.hget(runsKey, entry.id);
      expect(await runs()).toBeNull();
      await fenced.setRuns(entry, 1);
      await fenced.setRuns(entry, 1);
      expect(await runs()).toBe('1');
      await fenced.setRuns(entry, 2);
      expect(await runs()).toBe('2');
      await fenced.setRuns(entry, 0);
      expect(await runs()).toBeNull();
      await fenced.setRuns(entry, 1);
      await fenced.ack(entry);
      expect(await f.isPending(entry)).toBe(false);
      expect(await runs()).toBeNull();
    });
  }
});
