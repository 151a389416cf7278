import { randomFillSync } from 'node:crypto';

/*
 * UUIDv7 (RFC 9562 section 5.7) with the section 6.2 "method 1" counter: the 12 bits of rand_a
 * and the top 30 bits of rand_b form a 42-bit counter, seeded at random (top bit clear, so it has
 * room to count) whenever the millisecond advances, and incremented for every id inside one
 * millisecond. Ids made by one process therefore sort (as strings too) in creation order even
 * when the clock stands still or steps back; the last 32 bits stay random.
 */

const COUNTER_MAX = 2 ** 42 - 1;
const TWO_POW_30 = 2 ** 30;
const TWO_POW_32 = 2 ** 32;
const TWO_POW_16 = 2 ** 16;

// crypto calls cost far more than the rest of an id, so random bytes are drawn in bulk.
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

function takeRandom(bytes: number): number {
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += bytes;
  return at;
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

let lastMs = -1;
let counter = 0;

function seedCounter(): void {
  const at = takeRandom(6);
  // 41 random bits: the top bit of the 42-bit counter stays 0.
  counter =
    (pool[at]! & 0x01) * TWO_POW_32 * 256 + pool[at + 1]! * TWO_POW_32 + pool.readUInt32BE(at + 2);
}

let prefixMs = -1;
/** `xxxxxxxx-xxxx-` for prefixMs: ids made in the same millisecond share it. */
let prefix = '';

/** A new UUIDv7 (RFC 9562) in canonical lowercase form; monotonic within this process. */
export function newEventId(): string {
  return eventIdAt(Date.now());
}

/** newEventId for a clock reading the caller already has (encode shares it with `timestamp`). */
export function eventIdAt(now: number): string {
  if (now > lastMs) {
    lastMs = now;
    seedCounter();
  } else if (counter < COUNTER_MAX) {
    counter++;
  } else {
    // Counter exhausted inside one millisecond: borrow the next one (RFC 9562 section 6.2).
    lastMs++;
    seedCounter();
  }
  if (lastMs !== prefixMs) {
    prefixMs = lastMs;
    const msHigh = Math.floor(lastMs / TWO_POW_16);
    const msLow = lastMs % TWO_POW_16;
    prefix =
      HEX[(msHigh >>> 24) & 0xff]! +
      HEX[(msHigh >>> 16) & 0xff]! +
      HEX[(msHigh >>> 8) & 0xff]! +
      HEX[msHigh & 0xff]! +
      '-' +
      HEX[msLow >>> 8]! +
      HEX[msLow & 0xff]! +
      '-';
  }
  const counterHigh = Math.floor(counter / TWO_POW_30);
  const counterLow = counter % TWO_POW_30;
  const at = takeRandom(4);
  return (
    prefix +
    HEX[0x70 | (counterHigh >>> 8)]! +
    HEX[counterHigh & 0xff]! +
    '-' +
    HEX[0x80 | (counterLow >>> 24)]! +
    HEX[(counterLow >>> 16) & 0xff]! +
    '-' +
    HEX[(counterLow >>> 8) & 0xff]! +
    HEX[counterLow & 0xff]! +
    HEX[pool[at]!]! +
    HEX[pool[at + 1]!]! +
    HEX[pool[at + 2]!]! +
    HEX[pool[at + 3]!]!
  );
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The millisecond timestamp inside a UUIDv7, or undefined when `id` is not one. */
export function eventIdTime(id: string): number | undefined {
  if (!UUID_V7.test(id)) return undefined;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
