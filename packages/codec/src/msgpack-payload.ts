import { Packr } from 'msgpackr';
import { CodecError, describeThrown } from './codec-error.js';
import { scanPayload } from './payload-scan.js';

/*
 * The msgpack content type: standard MessagePack maps/arrays (no msgpackr records, so any
 * MessagePack library reads it), binary as `bin` (no base64), Date as the standard timestamp
 * extension (-1). Three msgpackr conventions are documented in docs/wire-format.md because other
 * libraries need to know them: undefined is fixext1 type 0 data 0x00; a bigint outside the 64-bit
 * range is extension 0x42 holding big-endian two's-complement bytes; an invalid Date is fixext1
 * type -1 data 0xff. bigints inside the 64-bit range are int64/uint64, and JS numbers are never
 * written as int64/uint64 (msgpackr uses float64 above 32 bits), so int64AsType 'bigint' gives
 * every bigint back as a bigint and every number as a number.
 */
const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: 'bigint',
  useBigIntExtension: true,
  // fixmap/map16/map32 by size: smaller entries, and objects over 65535 keys stay encodable.
  variableMapSize: true,
  // Decoded binary must not pin (or alias) the reply buffer it came from.
  copyBuffers: true,
});

export function encodeMsgpackPayload(value: unknown): Buffer {
  scanPayload(value);
  return packr.pack(value);
}

export function decodeMsgpackPayload(bytes: Uint8Array): unknown {
  try {
    return packr.unpack(bytes);
  } catch (thrown) {
    // msgpackr recurses per nesting level, so absurd nesting ends in a stack overflow.
    if (thrown instanceof RangeError && /call stack/i.test(thrown.message)) {
      throw new CodecError(
        'CODEC_NESTING_TOO_DEEP',
        'msgpack payload nests too deep to decode',
        { field: 'p' },
        { cause: thrown },
      );
    }
    throw new CodecError(
      'CODEC_MALFORMED_PAYLOAD',
      `payload is not valid MessagePack: ${describeThrown(thrown)}`,
      { field: 'p' },
      { cause: thrown },
    );
  }
}
