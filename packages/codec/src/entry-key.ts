import { CODEC_LIMITS } from './codec-limits.js';
import { tryDecodeUtf8 } from './field-value.js';
import { Slot, slotOfBytes } from './wire-format.js';

/**
 * The partition key of an entry in format version 1 without decoding the rest: a string, or
 * null for a keyless event. Undefined when the entry is not plainly version 1 (legacy fields,
 * a missing `v`, a key that is too long or not valid UTF-8): the caller then decodes it in full,
 * which says what is wrong.
 *
 * An ordered consumer needs only the key to queue an entry behind earlier entries of the same
 * key; decoding the payload just before the handler runs keeps the decoded objects short-lived.
 */
export function peekEntryKey(fields: ReadonlyArray<Uint8Array>): string | null | undefined {
  let hasVersion = false;
  let key: Uint8Array | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const slot = slotOfBytes(fields[i]!);
    if (slot === Slot.FormatVersion) {
      const value = fields[i + 1]!;
      if (value.length !== 1 || value[0] !== 0x31) return undefined; // '1'
      hasVersion = true;
    } else if (slot === Slot.Key) {
      if (key !== undefined) return undefined; // twice: the full decode reports it
      key = fields[i + 1]!;
    }
  }
  if (!hasVersion) return undefined;
  if (key === undefined) return null;
  if (key.length > CODEC_LIMITS.maxKeyBytes) return undefined;
  return tryDecodeUtf8(key);
}
