/** What fenced settlement needs of the lease an entry was read under (ordering key). */
export interface FencingLease {
  readonly partition: number;
  readonly epoch: number;
  /** `<consumer>|<epoch>`: what every fenced step compares the lease key against. */
  readonly value: string;
  /** The lease key in Redis. */
  readonly key: string;
  /** False once this replica lost or released the lease: nothing more is settled under it. */
  readonly held: boolean;
}

/** One entry as read from a stream through the group. */
export interface StreamEntry {
  /** The Redis key of the stream it came from (partition stream or group retry stream). */
  stream: string;
  partition: number;
  id: string;
  /** Raw fields, name/value alternating; null when the entry was deleted while pending. */
  fields: Buffer[] | null;
  /**
   * ordering none: how many times Redis has delivered it to the group, this delivery included.
   * (ordering key counts handler runs instead, `runs`, and leaves this 1.)
   */
  deliveryCount: number;
  /** ordering key: handler runs started so far, as the group's runs hash counts them. */
  runs?: number;
  /** True when it came from the group's retry stream. */
  fromRetry: boolean;
  /**
   * Ordering key: the lease under which it was read. Its settlement is fenced by this lease,
   * not by whatever lease this replica holds on the partition when the ack goes out (after a
   * loss and a new acquisition, an entry of the old epoch must not be acked under the new).
   */
  lease?: FencingLease;
}

type RawEntries = Array<[Buffer, Buffer[] | null]>;
export type RawReadReply = Array<[Buffer, RawEntries]> | null;

/** Flattens an XREADGROUP reply, resolving each stream key to its partition. */
export function parseReadReply(
  reply: RawReadReply,
  describe: (stream: string) => { partition: number; fromRetry: boolean },
  deliveryCounts?: Map<string, number>,
): StreamEntry[] {
  if (!reply) return [];
  const entries: StreamEntry[] = [];
  for (const [keyBuffer, rawEntries] of reply) {
    const stream = keyBuffer.toString('utf8');
    const { partition, fromRetry } = describe(stream);
    for (const [idBuffer, fields] of rawEntries) {
      const id = idBuffer.toString('utf8');
      entries.push({
        stream,
        partition,
        id,
        fields,
        deliveryCount: deliveryCounts?.get(`${stream}@${id}`) ?? 1,
        fromRetry,
      });
    }
  }
  return entries;
}

/** Compares stream ids (`ms-seq`) numerically. */
export function compareEntryIds(a: string, b: string): number {
  // The key runner compares ids on every entry it queues: decimal digits are compared as
  // text (no BigInt); anything else takes the exact path below.
  const aDash = a.indexOf('-');
  const bDash = b.indexOf('-');
  const aEnd = aDash < 0 ? a.length : aDash;
  const bEnd = bDash < 0 ? b.length : bDash;
  const ms = compareDecimal(a, 0, aEnd, b, 0, bEnd);
  const seq = compareDecimal(
    a,
    Math.min(aEnd + 1, a.length),
    a.length,
    b,
    Math.min(bEnd + 1, b.length),
    b.length,
  );
  if (!Number.isNaN(ms) && !Number.isNaN(seq)) return ms !== 0 ? ms : seq;
  return compareEntryIdsExactly(a, b);
}

/**
 * Compares the decimal numbers a[aFrom, aTo) and b[bFrom, bTo) (empty is 0, leading zeros
 * allowed); NaN when either holds anything but digits.
 */
function compareDecimal(
  a: string,
  aFrom: number,
  aTo: number,
  b: string,
  bFrom: number,
  bTo: number,
): number {
  while (aFrom < aTo && a.charCodeAt(aFrom) === 48) aFrom++;
  while (bFrom < bTo && b.charCodeAt(bFrom) === 48) bFrom++;
  let order = aTo - aFrom - (bTo - bFrom);
  for (let i = 0; i < aTo - aFrom || i < bTo - bFrom; i++) {
    const ac = i < aTo - aFrom ? a.charCodeAt(aFrom + i) : 48;
    const bc = i < bTo - bFrom ? b.charCodeAt(bFrom + i) : 48;
    if (ac < 48 || ac > 57 || bc < 48 || bc > 57) return Number.NaN;
    if (order === 0 && ac !== bc) order = ac - bc;
  }
  return order < 0 ? -1 : order > 0 ? 1 : 0;
}

function compareEntryIdsExactly(a: string, b: string): number {
  const [aMs, aSeq] = splitId(a);
  const [bMs, bSeq] = splitId(b);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

function splitId(id: string): [bigint, bigint] {
  const dash = id.indexOf('-');
  if (dash < 0) return [BigInt(id), 0n];
  return [BigInt(id.slice(0, dash)), BigInt(id.slice(dash + 1))];
}

/** Milliseconds part of an entry id: when it was appended, by the server's clock. */
export function entryTimestamp(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash < 0 ? id : id.slice(0, dash));
}
