import { describe, expect, it } from 'vitest';
import { createCodec } from './codec.js';
import { peekEntryKey } from './entry-key.js';

const codec = createCodec();

function entryFields(key: string | null | undefined): Buffer[] {
  const encoded = codec.encode({ type: 'order.paid', key: key ?? undefined, payload: { a: 1 } });
  return encoded.fields.map((item) => Buffer.from(item));
}

describe('peekEntryKey', () => {
  it('reads the key the full decode reads, without decoding the payload', () => {
    for (const key of ['ord-1', '', 'ключ-🔑', 'a'.repeat(1024)]) {
      const fields = entryFields(key);
      expect(peekEntryKey(fields)).toBe(codec.decode(fields).key);
    }
  });

  it('says null for a keyless event', () => {
    const fields = entryFields(undefined);
    expect(codec.decode(fields).key).toBeNull();
    expect(peekEntryKey(fields)).toBeNull();
  });

  it('gives up (undefined) on anything the full decode must judge', () => {
    const b = (text: string) => Buffer.from(text);
    // Legacy entries of the Go demo have no format version.
    expect(peekEntryKey([b('order_id'), b('MTIz')])).toBeUndefined();
    // An unknown format version.
    expect(peekEntryKey([b('v'), b('2'), b('key'), b('k')])).toBeUndefined();
    // A key that is not valid UTF-8.
    expect(peekEntryKey([b('v'), b('1'), b('key'), Buffer.from([0xc3, 0x28])])).toBeUndefined();
    // The key field twice.
    expect(peekEntryKey([b('v'), b('1'), b('key'), b('a'), b('key'), b('b')])).toBeUndefined();
    // A key longer than the codec allows.
    expect(peekEntryKey([b('v'), b('1'), b('key'), Buffer.alloc(1 << 20, 0x61)])).toBeUndefined();
  });
});
