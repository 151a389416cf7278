import { CodecError } from './codec-error.js';
import { CODEC_LIMITS } from './codec-limits.js';
import { describePath, formatPath } from './format-path.js';

const MAX_BIGINT = 10n ** BigInt(CODEC_LIMITS.maxBigIntDigits);
const DOLLAR = 36;

/**
 * Checks, before anything is serialized, that a payload holds only what both content types carry
 * faithfully: null, booleans, numbers, strings, bigint, undefined, Date, Uint8Array (Buffer),
 * arrays and plain objects, no deeper than CODEC_LIMITS.maxDepth. Serializers would otherwise
 * turn the rest into something else without a word (JSON drops functions and turns a Map into
 * `{}`; msgpackr turns a Set into an array).
 *
 * Returns true when the JSON content type needs tags (docs/wire-format.md): the plain
 * JSON.stringify fast path is only taken when it returns false. One allocation-free pass is far
 * cheaper than a JSON.stringify replacer, which is called for every key.
 */
export function scanPayload(value: unknown): boolean {
  try {
    return scan(value, 0);
  } catch (thrown) {
    if (!(thrown instanceof ScanFailure)) throw thrown;
    const path = formatPath(thrown.reversedPath.reverse());
    throw new CodecError(thrown.code, thrown.describe(describePath(path)), {
      path,
      ...(thrown.code === 'CODEC_NESTING_TOO_DEEP' ? { limit: CODEC_LIMITS.maxDepth } : {}),
    });
  }
}

/**
 * Thrown inside the scan; each level adds its key on the way out, so the happy path never builds
 * a path it does not need.
 */
class ScanFailure {
  readonly reversedPath: Array<string | number> = [];
  constructor(
    readonly code: 'CODEC_UNSUPPORTED_VALUE' | 'CODEC_NESTING_TOO_DEEP',
    readonly what: string,
  ) {}

  describe(at: string): string {
    if (this.code === 'CODEC_NESTING_TOO_DEEP') {
      return `payload nests deeper than ${CODEC_LIMITS.maxDepth} levels at ${at} (or is cyclic)`;
    }
    return (
      `payload holds ${this.what} at ${at}; supported: null, boolean, number, string, bigint, ` +
      'undefined, Date, Uint8Array/Buffer, arrays and plain objects'
    );
  }
}

function withKey(thrown: unknown, key: string | number): unknown {
  if (thrown instanceof ScanFailure) thrown.reversedPath.push(key);
  return thrown;
}

function scan(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return false;
    case 'number':
      // NaN and +-Infinity: JSON has no literal for them. (-0 is carried as 0, documented.)
      return value - value !== 0;
    case 'undefined':
      return true;
    case 'bigint':
      if (value >= MAX_BIGINT || value <= -MAX_BIGINT) {
        throw new ScanFailure(
          'CODEC_UNSUPPORTED_VALUE',
          `a bigint with more than ${CODEC_LIMITS.maxBigIntDigits} decimal digits`,
        );
      }
      return true;
    case 'object':
      break;
    default:
      throw new ScanFailure('CODEC_UNSUPPORTED_VALUE', `a ${typeof value}`);
  }
  if (value === null) return false;
  if (depth >= CODEC_LIMITS.maxDepth) throw new ScanFailure('CODEC_NESTING_TOO_DEEP', '');
  if (Array.isArray(value)) {
    let tagged = false;
    for (let i = 0; i < value.length; i++) {
      // A hole reads as undefined here and is carried as undefined (documented).
      const item: unknown = value[i];
      // Leaves are most of a payload: settle the common ones without a call.
      if (typeof item === 'string' || typeof item === 'boolean' || item === null) continue;
      if (typeof item === 'number') {
        if (item - item !== 0) tagged = true;
        continue;
      }
      try {
        if (scan(item, depth + 1)) tagged = true;
      } catch (thrown) {
        throw withKey(thrown, i);
      }
    }
    return tagged;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    let tagged = false;
    let count = 0;
    let first = '';
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (count++ === 0) first = key;
      if (key === '__proto__') {
        // msgpackr renames it, and assigning it anywhere changes a prototype: refuse it outright.
        throw withKey(new ScanFailure('CODEC_UNSUPPORTED_VALUE', 'the key "__proto__"'), key);
      }
      const member = record[key];
      if (typeof member === 'string' || typeof member === 'boolean' || member === null) continue;
      if (typeof member === 'number') {
        if (member - member !== 0) tagged = true;
        continue;
      }
      try {
        if (scan(member, depth + 1)) tagged = true;
      } catch (thrown) {
        throw withKey(thrown, key);
      }
    }
    // A single-key object whose key starts with '$' would read back as a tag: it gets escaped.
    return tagged || (count === 1 && first.charCodeAt(0) === DOLLAR);
  }
  if (value instanceof Date || value instanceof Uint8Array) return true;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  throw new ScanFailure(
    'CODEC_UNSUPPORTED_VALUE',
    typeof name === 'string' && name !== '' ? `a ${name} instance` : 'an object with a prototype',
  );
}
