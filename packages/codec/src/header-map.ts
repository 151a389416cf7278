import { CodecError } from './codec-error.js';
import { CODEC_LIMITS } from './codec-limits.js';
import { badField, type FieldValue, preview, readText } from './field-value.js';

/*
 * Headers travel in the `h` field as a JSON object of strings ('' when there are none). Nearly
 * every event carries a traceparent, so this runs on every publish and delivery; a generic
 * JSON.stringify/JSON.parse of a two-key object costs as much as a tenth of a 1 KB payload. The
 * writer below emits plain JSON by hand, and the reader takes the shape that writer produces
 * (no whitespace, no escapes) without JSON.parse, handing anything else to JSON.parse.
 */

const FIELD = 'h';
// Strings that can be written between quotes as they are: no quote, backslash, control
// character or surrogate (JSON.stringify escapes lone surrogates; pairs are rare in headers).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
const VERBATIM = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
const CONTROL = /[\u0000-\u001f]/;

function quote(text: string): string {
  return VERBATIM.test(text) ? `"${text}"` : JSON.stringify(text);
}

/** Checks and serializes producer headers; '' for none. */
export function encodeHeaders(headers: Record<string, string> | undefined | null): string {
  if (headers === undefined || headers === null) return '';
  if (typeof headers !== 'object' || Array.isArray(headers)) {
    throw badHeaders(
      `must be an object of string values, got ${Array.isArray(headers) ? 'an array' : typeof headers}`,
    );
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
        `header ${JSON.stringify(name)} must be a string, got ${value === null ? 'null' : typeof value}`,
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
  const fast = readCompact(text);
  if (fast) return fast;
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

/**
 * Reads `{"name":"value",...}` when it has no backslash and no control character, so every
 * string is its characters between two quotes. Returns undefined for anything else (whitespace,
 * escapes, non-string values, malformed text), which then goes through JSON.parse; both paths
 * accept exactly valid JSON and give the same result.
 */
function readCompact(text: string): Record<string, string> | undefined {
  const end = text.length - 1;
  if (text.charCodeAt(0) !== 0x7b || text.charCodeAt(end) !== 0x7d) return undefined; // { }
  if (text.indexOf('\\') !== -1 || CONTROL.test(text)) return undefined;
  const out: Record<string, string> = {};
  if (end === 1) return out;
  let at = 1;
  let count = 0;
  for (;;) {
    if (text.charCodeAt(at) !== 0x22) return undefined; // "
    const nameEnd = text.indexOf('"', at + 1);
    if (
      nameEnd === -1 ||
      text.charCodeAt(nameEnd + 1) !== 0x3a ||
      text.charCodeAt(nameEnd + 2) !== 0x22
    ) {
      return undefined; // :"
    }
    const valueEnd = text.indexOf('"', nameEnd + 3);
    if (valueEnd === -1) return undefined;
    if (++count > CODEC_LIMITS.maxHeaders) throw tooMany();
    const name = text.slice(at + 1, nameEnd);
    const value = text.slice(nameEnd + 3, valueEnd);
    if (name === '__proto__') {
      // As JSON.parse does: an own property, not the prototype.
      Object.defineProperty(out, name, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else {
      out[name] = value;
    }
    const next = text.charCodeAt(valueEnd + 1);
    if (next === 0x2c)
      at = valueEnd + 2; // ,
    else return next === 0x7d && valueEnd + 1 === end ? out : undefined; // }
  }
}

function tooMany(): CodecError {
  return badField(FIELD, `holds more than ${CODEC_LIMITS.maxHeaders} headers`, {
    limit: CODEC_LIMITS.maxHeaders,
  });
}

function badHeaders(message: string): CodecError {
  return new CodecError('CODEC_BAD_EVENT', `event headers ${message}`, { field: 'headers' });
}
