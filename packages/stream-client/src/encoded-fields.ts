/**
 * Stream entry fields as JSON-safe values, for BullMQ job data (which is JSON): strings stay
 * strings, Buffers become `{ b64 }`, so the exact bytes come back.
 */
export type SerializedField = string | { b64: string };

export function serializeFields(fields: ReadonlyArray<string | Buffer>): SerializedField[] {
  return fields.map((field) =>
    typeof field === 'string' ? field : { b64: field.toString('base64') },
  );
}

export function deserializeFields(fields: ReadonlyArray<SerializedField>): Array<string | Buffer> {
  return fields.map((field) =>
    typeof field === 'string' ? field : Buffer.from(field.b64, 'base64'),
  );
}
