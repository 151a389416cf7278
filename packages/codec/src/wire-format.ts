/**
 * The field names of format version 1 (docs/wire-format.md). They are written in this order in
 * every entry: Redis stores the field names of consecutive entries with identical field lists
 * once per stream node, so short, fixed names cost nearly nothing per entry.
 */
export const WIRE_FORMAT = {
  formatVersion: 1,
  fields: {
    formatVersion: 'v',
    id: 'id',
    type: 'type',
    /** Absent when the event is keyless. */
    key: 'key',
    schemaVersion: 'sv',
    contentType: 'ct',
    /** Empty when there are no headers. */
    headers: 'h',
    timestamp: 'ts',
    payload: 'p',
  },
} as const;

/** Index of each field in the decoder's slots. */
export const Slot = {
  FormatVersion: 0,
  Id: 1,
  Type: 2,
  Key: 3,
  SchemaVersion: 4,
  ContentType: 5,
  Headers: 6,
  Timestamp: 7,
  Payload: 8,
} as const;

export const SLOT_NAMES = ['v', 'id', 'type', 'key', 'sv', 'ct', 'h', 'ts', 'p'] as const;

/**
 * The slot of a field name given as bytes, without making a string: XREADGROUP hands the consumer
 * every name of every entry as a Buffer, and this runs for each of them.
 */
export function slotOfBytes(name: Uint8Array): number {
  switch (name.length) {
    case 1:
      switch (name[0]) {
        case 0x76: // v
          return Slot.FormatVersion;
        case 0x68: // h
          return Slot.Headers;
        case 0x70: // p
          return Slot.Payload;
      }
      return -1;
    case 2: {
      const pair = (name[0]! << 8) | name[1]!;
      switch (pair) {
        case 0x6964: // id
          return Slot.Id;
        case 0x7376: // sv
          return Slot.SchemaVersion;
        case 0x6374: // ct
          return Slot.ContentType;
        case 0x7473: // ts
          return Slot.Timestamp;
      }
      return -1;
    }
    case 3:
      return name[0] === 0x6b && name[1] === 0x65 && name[2] === 0x79 ? Slot.Key : -1; // key
    case 4:
      // type
      return name[0] === 0x74 && name[1] === 0x79 && name[2] === 0x70 && name[3] === 0x65
        ? Slot.Type
        : -1;
    default:
      return -1;
  }
}

export function slotOfString(name: string): number {
  switch (name) {
    case 'v':
      return Slot.FormatVersion;
    case 'id':
      return Slot.Id;
    case 'type':
      return Slot.Type;
    case 'key':
      return Slot.Key;
    case 'sv':
      return Slot.SchemaVersion;
    case 'ct':
      return Slot.ContentType;
    case 'h':
      return Slot.Headers;
    case 'ts':
      return Slot.Timestamp;
    case 'p':
      return Slot.Payload;
    default:
      return -1;
  }
}
