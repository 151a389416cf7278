import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { IngestError } from './ingest-error.js';

/**
 * JSON, and Confluent REST v2's JSON embedded format (also Redpanda HTTP Proxy's), so a Kafka
 * REST client can keep its content type: the body is the same JSON either way.
 */
export const JSON_MEDIA_TYPES = ['application/json', 'application/vnd.kafka.json.v2+json'];

declare module 'fastify' {
  interface FastifyRequest {
    /** Size of the JSON body as received (the rate limit's bytes). */
    bodyBytes?: number;
  }
}

/** Any JSON escape: a pair of surrogate escapes, one surrogate escape alone, or another escape. */
const ESCAPES =
  /\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[dD][89a-fA-F][0-9a-fA-F]{2}|.)/g;
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * The JSON body parser of the ingest, stricter than fastify's default about text: JSON is
 * UTF-8 (RFC 8259), and fastify would decode other bytes, another declared charset, or a
 * `\ud800` escape without its pair into text other than what the client sent (U+FFFD, or a
 * string that the MessagePack payload encoding then replaces), so the event would be appended
 * with other content than it was sent with. Those bodies are refused instead: 400
 * `malformed-json`, or 415 for a charset other than UTF-8. The parsing itself (and its
 * prototype-poisoning refusal) is fastify's; the body limit applies as before. Fastify reports a
 * `__proto__` or `constructor.prototype` key as "not valid JSON", which sends a client looking
 * for a syntax error that is not there: such a body is refused as `forbidden-key` instead.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(JSON_MEDIA_TYPES, { parseAs: 'buffer' }, (request, body, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '');
    const declared = charset?.[1]?.toLowerCase();
    if (declared !== undefined && declared !== 'utf-8' && declared !== 'utf8') {
      done(
        new IngestError(
          415,
          'unsupported-media-type',
          `charset ${JSON.stringify(charset?.[1])}: send application/json in UTF-8`,
        ),
      );
      return;
    }
    const bytes = body as Buffer;
    request.bodyBytes = bytes.length;
    if (!isUtf8(bytes)) {
      done(new IngestError(400, 'malformed-json', 'the body is not valid UTF-8 (JSON must be)'));
      return;
    }
    const text = bytes.toString('utf8');
    const lone = SURROGATE_ESCAPE.test(text) ? unpairedSurrogateEscape(text) : undefined;
    if (lone !== undefined) {
      done(
        new IngestError(
          400,
          'malformed-json',
          `the body holds the escape ${lone} without its surrogate pair: not a Unicode character`,
        ),
      );
      return;
    }
    parseJson(request, text, (error, value) => {
      if (error && isValidJson(text)) {
        done(
          new IngestError(
            400,
            'forbidden-key',
            'the body holds a "__proto__" key or a "constructor" key with a "prototype": refused as prototype poisoning',
          ),
        );
        return;
      }
      done(error, value);
    });
  });
}

/** Only on the refusal path: whether the text is JSON that the secure parse refused for its keys. */
function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The first `\uD800`-`\uDFFF` escape that is not half of a pair, if any. */
function unpairedSurrogateEscape(text: string): string | undefined {
  for (const [sequence] of text.matchAll(ESCAPES)) {
    if (sequence.length === 6 && /^\\u[dD][89a-fA-F]/.test(sequence)) return sequence;
  }
  return undefined;
}
