import { InvalidEffectError } from '../errors.js';

export type EffectArg = string | number | bigint | Buffer;

/** One queued write: the command, the index of its key in `Effects.keys`, its other arguments. */
export interface EffectCommand {
  command: string;
  keyIndex: number;
  args: Array<string | Buffer>;
}

/** Arguments an effect command may carry besides its key (the script re-checks all of it). */
const MAX_ARGS = 1000;
const ZADD_FLAGS = new Set(['NX', 'XX', 'GT', 'LT', 'CH']);
/** Time to live bounds, far below where Redis's own arithmetic overflows (ackAndMark-n.lua). */
const MAX_TTL_SECONDS = 100_000_000_000n;
const MAX_TTL_MS = 100_000_000_000_000n;
/** SETBIT offsets the smallest allowed proto-max-bulk-len (1 MB) still takes. */
const MAX_BIT_OFFSET = 8_388_608n;
const SMALLEST_NORMAL = 2.2250738585072014e-308;

type Shape = (args: Array<string | Buffer>) => string | undefined;

const any =
  (min: number, what: string): Shape =>
  (args) =>
    args.length >= min ? undefined : `takes at least ${min} ${what}`;
const none: Shape = (args) =>
  args.length === 0 ? undefined : 'takes no arguments besides its key';
const oneInteger: Shape = (args) =>
  args.length === 1 && isInteger(args[0]) ? undefined : 'takes one integer';
const ttl =
  (max: bigint): Shape =>
  (args) =>
    args.length === 1 && isWithin(args[0], 1n, max)
      ? undefined
      : `takes one positive integer, at most ${max}`;
const pairs =
  (what: string): Shape =>
  (args) =>
    args.length >= 2 && args.length % 2 === 0 ? undefined : `takes ${what} pairs`;

/**
 * The commands an effect may run, with their argument shapes. Each is a single-key write whose
 * every way of failing the ack-and-mark script can check before its first write (see
 * ackAndMark-n.lua); anything else could fail half-way, after earlier effects were applied.
 */
const EFFECT_COMMANDS: Record<string, Shape> = {
  SET: (args) => {
    const option = args[1]?.toString().toUpperCase();
    if (args.length === 1) return undefined;
    if (args.length === 2 && option === 'KEEPTTL') return undefined;
    if (args.length === 3 && option === 'EX' && isWithin(args[2], 1n, MAX_TTL_SECONDS))
      return undefined;
    if (args.length === 3 && option === 'PX' && isWithin(args[2], 1n, MAX_TTL_MS)) return undefined;
    return 'takes a value, then optionally EX seconds (1 to 1e11), PX milliseconds (1 to 1e14) or KEEPTTL';
  },
  DEL: none,
  EXPIRE: ttl(MAX_TTL_SECONDS),
  PEXPIRE: ttl(MAX_TTL_MS),
  INCR: none,
  DECR: none,
  INCRBY: oneInteger,
  DECRBY: oneInteger,
  SETBIT: (args) =>
    args.length === 2 &&
    isWithin(args[0], 0n, MAX_BIT_OFFSET - 1n) &&
    (args[1]?.toString() === '0' || args[1]?.toString() === '1')
      ? undefined
      : `takes an offset from 0 to ${MAX_BIT_OFFSET - 1n} and 0 or 1`,
  HSET: pairs('field value'),
  HSETNX: (args) => (args.length === 2 ? undefined : 'takes a field and a value'),
  HDEL: any(1, 'field'),
  HINCRBY: (args) =>
    args.length === 2 && isInteger(args[1]) ? undefined : 'takes a field and an integer',
  RPUSH: any(1, 'value'),
  LPUSH: any(1, 'value'),
  LTRIM: (args) =>
    args.length === 2 && isInteger(args[0]) && isInteger(args[1])
      ? undefined
      : 'takes a start and a stop index',
  SADD: any(1, 'member'),
  SREM: any(1, 'member'),
  ZADD: (args) => {
    const flags = new Set<string>();
    let first = 0;
    while (first < args.length && ZADD_FLAGS.has(args[first]!.toString().toUpperCase()))
      flags.add(args[first++]!.toString().toUpperCase());
    if (
      (flags.has('NX') && (flags.has('XX') || flags.has('GT') || flags.has('LT'))) ||
      (flags.has('GT') && flags.has('LT'))
    )
      return 'flags: NX excludes XX, GT and LT, and GT excludes LT';
    const rest = args.slice(first);
    if (rest.length < 2 || rest.length % 2 !== 0)
      return 'takes [NX|XX] [GT|LT] [CH], then score member pairs (INCR is not allowed)';
    for (let i = 0; i < rest.length; i += 2)
      if (!isScore(rest[i]!)) return `score ${JSON.stringify(rest[i]!.toString())} is not a number`;
    return undefined;
  },
  ZREM: any(1, 'member'),
  XADD: (args) =>
    args.length >= 3 && args.length % 2 === 1 && args[0]?.toString() === '*'
      ? undefined
      : 'takes * then field value pairs',
};

/** The commands `Effects.command` accepts, for docs and error messages. */
export const EFFECT_COMMAND_NAMES = Object.keys(EFFECT_COMMANDS);

/**
 * Redis writes a handler wants applied exactly once per event: they run in the same atomic
 * step as the ack and the dedupe marker (the "ack-and-mark" script), so a redelivered event
 * (crash between handler and ack, a claim race) does not apply them twice, and they apply all
 * or nothing: the script checks every effect before its first write.
 *
 * Every written key must carry the partition's hash tag: build keys with `ctx.stateKey()`.
 * A malformed effect throws `InvalidEffectError` at once (inside the handler).
 */
export class Effects {
  readonly commands: EffectCommand[] = [];
  readonly keys: string[] = [];

  /** `hashTag`: the partition's tag (`{rs:orders:3}`); every key must hash by it. */
  constructor(private readonly hashTag?: string) {}

  /** Any allowed single-key write: `command('HINCRBY', key, 'field', 1)`. */
  command(name: string, key: string, ...args: EffectArg[]): this {
    const command = String(name).toUpperCase();
    const shape = EFFECT_COMMANDS[command];
    if (!shape)
      throw new InvalidEffectError(
        `effect command ${JSON.stringify(name)} is not allowed; use one of ${EFFECT_COMMAND_NAMES.join(', ')}`,
      );
    if (typeof key !== 'string' || key === '')
      throw new InvalidEffectError(
        `effect ${command}: expected a key string, received ${JSON.stringify(key)}`,
      );
    if (this.hashTag !== undefined && hashTagOf(key) !== this.hashTag)
      throw new InvalidEffectError(
        `effect ${command} on ${JSON.stringify(key)}: the key must carry the partition's hash tag ${this.hashTag} (build it with ctx.stateKey())`,
      );
    if (args.length > MAX_ARGS)
      throw new InvalidEffectError(
        `effect ${command} has ${args.length} arguments; at most ${MAX_ARGS} are allowed (split it)`,
      );
    const encoded = args.map((arg) => encodeArg(command, arg));
    const problem = shape(encoded);
    if (problem)
      throw new InvalidEffectError(
        `effect ${command} ${problem} (received ${encoded.length} argument${encoded.length === 1 ? '' : 's'} besides the key)`,
      );
    let keyIndex = this.keys.indexOf(key);
    if (keyIndex < 0) keyIndex = this.keys.push(key) - 1;
    this.commands.push({ command, keyIndex, args: encoded });
    return this;
  }

  set(key: string, value: EffectArg, ...options: EffectArg[]): this {
    return this.command('SET', key, value, ...options);
  }

  del(key: string): this {
    return this.command('DEL', key);
  }

  pexpire(key: string, ms: number): this {
    return this.command('PEXPIRE', key, ms);
  }

  incrby(key: string, by: number | bigint): this {
    return this.command('INCRBY', key, by);
  }

  hset(key: string, fields: Record<string, EffectArg>): this {
    return this.command('HSET', key, ...Object.entries(fields).flat());
  }

  hdel(key: string, ...fields: string[]): this {
    return this.command('HDEL', key, ...fields);
  }

  hincrby(key: string, field: string, by: number | bigint): this {
    return this.command('HINCRBY', key, field, by);
  }

  rpush(key: string, ...values: EffectArg[]): this {
    return this.command('RPUSH', key, ...values);
  }

  sadd(key: string, ...members: EffectArg[]): this {
    return this.command('SADD', key, ...members);
  }

  zadd(key: string, score: number, member: EffectArg): this {
    return this.command('ZADD', key, score, member);
  }

  /** Appends to a stream in the partition's slot (an outbox), with an id Redis picks. */
  xadd(key: string, fields: Record<string, EffectArg>): this {
    return this.command('XADD', key, '*', ...Object.entries(fields).flat());
  }

  get size(): number {
    return this.commands.length;
  }
}

/** Redis Cluster's hash tag of a key: the first `{...}` with something inside, else the key. */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return key;
  return key.slice(open, close + 1);
}

function encodeArg(command: string, arg: EffectArg): string | Buffer {
  if (Buffer.isBuffer(arg) || typeof arg === 'string') return arg;
  if (typeof arg === 'bigint') return arg.toString();
  if (typeof arg === 'number' && Number.isFinite(arg)) return String(arg);
  throw new InvalidEffectError(
    `effect ${command}: arguments are strings, Buffers, finite numbers or bigints, received ${typeof arg === 'number' ? String(arg) : typeof arg}`,
  );
}

const INT64_MAX = 2n ** 63n - 1n;

function isInteger(arg: string | Buffer | undefined): boolean {
  if (arg === undefined) return false;
  const text = arg.toString();
  if (!/^(0|-?[1-9]\d{0,18})$/.test(text)) return false;
  const value = BigInt(text);
  return value <= INT64_MAX && value >= -INT64_MAX;
}

function isWithin(arg: string | Buffer | undefined, min: bigint, max: bigint): boolean {
  if (!isInteger(arg)) return false;
  const value = BigInt(arg!.toString());
  return value >= min && value <= max;
}

/**
 * What Redis takes as a score: a decimal with an optional exponent, or inf; no spaces, no
 * NaN, nothing that overflows or underflows a double (Redis refuses those with ERANGE).
 */
function isScore(arg: string | Buffer): boolean {
  const text = arg.toString();
  if (/^[+-]?inf$/i.test(text)) return true;
  const match = /^[+-]?(\d*\.?\d*)(?:[eE][+-]?\d+)?$/.exec(text);
  if (!match || !/\d/.test(match[1]!)) return false;
  const value = Number(text);
  if (!Number.isFinite(value)) return false;
  if (value === 0) return !/[1-9]/.test(match[1]!);
  return Math.abs(value) >= SMALLEST_NORMAL;
}
