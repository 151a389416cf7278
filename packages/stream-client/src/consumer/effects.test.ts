import { describe, expect, it } from 'vitest';
import { InvalidEffectError } from '../errors.js';
import { Effects, hashTagOf } from './effects.js';

const TAG = '{rs:orders:3}';
const key = (name: string) => `${TAG}:state:${name}`;

describe('Effects', () => {
  it('records each command with its key apart from its values, keys listed once', () => {
    const effects = new Effects(TAG)
      .hincrby(key('a'), 'n', 1)
      .set(key('b'), '\u0000k4')
      .rpush(key('a'), '\u0000k5', 'x');
    expect(effects.keys).toEqual([key('a'), key('b')]);
    expect(effects.commands).toEqual([
      { command: 'HINCRBY', keyIndex: 0, args: ['n', '1'] },
      { command: 'SET', keyIndex: 1, args: ['\u0000k4'] },
      { command: 'RPUSH', keyIndex: 0, args: ['\u0000k5', 'x'] },
    ]);
  });

  it('refuses a key outside the partition hash tag, naming the tag to use', () => {
    const effects = new Effects(TAG);
    expect(() => effects.set('other-key', 'x')).toThrow(InvalidEffectError);
    expect(() => effects.set('{rs:orders:4}:state:x', 'x')).toThrow(/\{rs:orders:3\}/);
    expect(effects.size).toBe(0);
  });

  it('refuses commands outside the allow-list and malformed arguments, with the reason', () => {
    const effects = new Effects(TAG);
    const refused: Array<[string, unknown[]]> = [
      ['EVAL', ['return 1']],
      ['FLUSHALL', []],
      ['HINCRBY', ['n', 'one']],
      ['HINCRBY', ['n', '9223372036854775808']],
      ['INCRBY', [1.5]],
      ['SET', ['v', 'EX', '0']],
      ['SET', ['v', 'NX']],
      ['HSET', ['only-a-field']],
      ['ZADD', ['NX', 'GT', 1, 'm']],
      ['ZADD', ['INCR', 1, 'm']],
      ['ZADD', ['not-a-score', 'm']],
      ['SETBIT', [8_388_608, 1]],
      ['EXPIRE', ['10000000000000000']],
      ['PEXPIRE', [0]],
      ['SET', ['v', 'PX', '100000000000001']],
      ['ZADD', ['1e-400', 'm']],
      ['ZADD', ['1e400', 'm']],
      ['ZADD', [' 1', 'm']],
      ['ZADD', ['0x10', 'm']],
      ['XADD', ['id-1', 'f', 'v']],
      ['RPUSH', Array.from({ length: 1001 }, () => 'v')],
      ['SET', [Number.NaN]],
    ];
    for (const [command, args] of refused) {
      expect(
        () => effects.command(command, key('k'), ...(args as string[])),
        `${command} ${JSON.stringify(args)}`,
      ).toThrow(InvalidEffectError);
    }
    expect(effects.size).toBe(0);
  });

  it('accepts the allowed forms', () => {
    const effects = new Effects(TAG)
      .set(key('a'), 'v', 'PX', 1000)
      .command('ZADD', key('z'), 'GT', 'CH', 3, 'm', '-inf', 'n')
      .command('SETBIT', key('bits'), 7, 1)
      .hincrby(key('h'), 'n', 2n ** 62n)
      .xadd(key('outbox'), { type: 'sent' });
    expect(effects.size).toBe(5);
    expect(effects.commands.at(-1)).toEqual({
      command: 'XADD',
      keyIndex: 4,
      args: ['*', 'type', 'sent'],
    });
  });

  it('finds the hash tag Redis Cluster hashes by', () => {
    expect(hashTagOf('{rs:t:1}:state:x')).toBe('{rs:t:1}');
    expect(hashTagOf('plain')).toBe('plain');
    expect(hashTagOf('{}:x')).toBe('{}:x');
    expect(hashTagOf('a{b}c{d}')).toBe('{b}');
  });
});
