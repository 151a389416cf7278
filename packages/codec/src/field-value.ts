import { CodecError } from './codec-error.js';

/*
 * Readers for one field value as Redis hands it over: a Buffer (xrangeBuffer, callBuffer) or a
 * string (the plain commands, or an object built by hand). Every failure is a CODEC_BAD_FIELD
 * naming the field.
 */

/** A Buffer (or any Uint8Array: nothing here needs Buffer methods, so none is wrapped). */
export type FieldValue = Uint8Array | string;

// ignoreBOM: a leading U+FEFF is data here, not a byte-order mark to drop.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function badField(
  field: string,
  message: string,
  extra: { limit?: number; actual?: number } = {},
): CodecError {
  return new CodecError('CODEC_BAD_FIELD', `field '${field}' ${message}`, { field, ...extra });
}

export function byteLengthOf(value: FieldValue): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/**
 * A text field: at most `maxBytes` UTF-8 bytes, and valid UTF-8 when given as bytes (invalid
 * sequences would otherwise turn into U+FFFD silently, and two different keys could read alike).
 */
export function readText(
  value: FieldValue,
  field: string,
  maxBytes: number,
  allowEmpty: boolean,
): string {
  let text: string;
  if (typeof value === 'string') {
    if (value.length > maxBytes && Buffer.byteLength(value) > maxBytes) {
      throw tooLong(field, maxBytes, Buffer.byteLength(value));
    }
    text = value;
  } else {
    if (value.length > maxBytes) throw tooLong(field, maxBytes, value.length);
    text = decodeUtf8(value, field);
  }
  if (!allowEmpty && text === '') throw badField(field, 'is empty');
  return text;
}

/** Strict UTF-8: one native pass that checks and decodes (cheaper than isUtf8 + toString). */
export function decodeUtf8(bytes: Uint8Array, field: string): string {
  const text = tryDecodeUtf8(bytes);
  if (text === undefined) throw badField(field, 'is not valid UTF-8');
  return text;
}

/** The text of valid UTF-8 bytes, or undefined. */
export function tryDecodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function tooLong(field: string, limit: number, actual: number): CodecError {
  return badField(field, `is ${actual} bytes, over its limit of ${limit}`, { limit, actual });
}

/**
 * A decimal integer written as ASCII digits without sign or leading zeros, read straight from
 * the bytes. Returns -1 when the value is not one, so callers word their own error.
 */
export function readDecimal(value: FieldValue, maxDigits: number): number {
  const length = value.length;
  if (length === 0 || length > maxDigits) return -1;
  let result = 0;
  if (typeof value === 'string') {
    for (let i = 0; i < length; i++) {
      const digit = value.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9 || (digit === 0 && i === 0 && length > 1)) return -1;
      result = result * 10 + digit;
    }
  } else {
    for (let i = 0; i < length; i++) {
      const digit = value[i]! - 48;
      if (digit < 0 || digit > 9 || (digit === 0 && i === 0 && length > 1)) return -1;
      result = result * 10 + digit;
    }
  }
  return result;
}

/** Whether the value is exactly the given ASCII text. */
export function equalsAscii(value: FieldValue, ascii: string): boolean {
  if (typeof value === 'string') return value === ascii;
  if (value.length !== ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (value[i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** Renders a value for an error message: short, printable, never throwing. */
export function preview(value: FieldValue): string {
  const text =
    typeof value === 'string'
      ? value
      : Buffer.from(value.buffer, value.byteOffset, Math.min(value.byteLength, 64)).toString(
          'latin1',
        );
  const cut = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return JSON.stringify(cut);
}
