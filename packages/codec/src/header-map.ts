import { CodecError } from './codec-error.js';
import { CODEC_LIMITS } from './codec-limits.js';
import { describeKind } from './describe-kind.js';
import { badField, type FieldValue, preview, readText } from './field-value.js';

/*
 * Headers travel in the `h` field as a JSON object of strings ('' when there are none). Nearly
 * every event carries a traceparent, so this runs on every publish and delivery: the writer emits
 * the JSON by hand (JSON.stringify of a small object costs half again as much), and the reader is
 * plain JSON.parse, which no hand-written reader beat for header-sized objects.
 */

const FIELD = 'h';
// Strings that can be written between quotes as they are: no quote, backslash, control
// character or surrogate (JSON.stringify escapes lone surrogates; pairs are rare in headers).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
const VERBATIM = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

function quote(text: string): string {
  return VERBATIM.test(text) ? `"${text}"` : JSON.stringify(text);
}

/** Checks and serializes producer headers; '' for none. */
export function encodeHeaders(headers: Record<string, string> | undefined | null): string {
  if (headers === undefined || headers === null) return '';
  if (typeof headers !== 'object' || Array.isArray(headers)) {
    throw badHeaders(`must be an object of string values, got ${describeKind(headers)}`);
  }
  let text = '{';
  let count = 0;
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    const value = headers[name];
    if (++count > CODEC_LIMITS.maxHeaders) {
      throw badHeaders(`hold more than ${CODEC_LIMITS.maxHeaders} headers`);
    }
    if (name === '') throw badHeaders('hold an empty header name');
    if (typeof value !== 'string') {
      throw badHeaders(
        `header ${JSON.stringify(name)} must be a string, got ${describeKind(value)}`,
      );
    }
    text += `${count === 1 ? '' : ','}${quote(name)}:${quote(value)}`;
  }
  if (count === 0) return '';
  text += '}';
  if (
    text.length > CODEC_LIMITS.maxHeaderBytes / 3 &&
    Buffer.byteLength(text) > CODEC_LIMITS.maxHeaderBytes
  ) {
    throw badHeaders(`take more than ${CODEC_LIMITS.maxHeaderBytes} bytes as JSON`);
  }
  return text;
}

/** Reads the `h` field of an entry (a non-empty value). */
export function decodeHeaders(value: FieldValue): Record<string, string> {
  const text = readText(value, FIELD, CODEC_LIMITS.maxHeaderBytes, true);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badField(FIELD, `must be a JSON object of strings, got ${preview(value)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badField(FIELD, `must be a JSON object of strings, got ${preview(value)}`);
  }
  const record = parsed as Record<string, unknown>;
  let count = 0;
  for (const name in record) {
    if (++count > CODEC_LIMITS.maxHeaders) throw tooMany();
    if (typeof record[name] !== 'string') {
      throw badField(FIELD, `header ${JSON.stringify(name.slice(0, 40))} is not a string`);
    }
  }
  return record as Record<string, string>;
}

function tooMany(): CodecError {
  return badField(FIELD, `holds more than ${CODEC_LIMITS.maxHeaders} headers`, {
    limit: CODEC_LIMITS.maxHeaders,
  });
}

function badHeaders(message: string): CodecError {
  return new CodecError('CODEC_BAD_EVENT', `event headers ${message}`, { field: 'headers' });
}
