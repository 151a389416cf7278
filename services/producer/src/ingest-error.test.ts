import { CodecError } from '@redstream/codec';
import {
  ConnectionError,
  InvalidEventError,
  InvalidNameError,
  StreamClientError,
  TopicNotFoundError,
} from '@redstream/stream-client';
import { describe, expect, it } from 'vitest';
import { fromPublishError } from './ingest-error.js';

describe('fromPublishError', () => {
  it("answers 503 for the producer's ConnectionError, even while the connection looks ready", () => {
    const failure = fromPublishError(
      new ConnectionError('publish to orders failed: Redis is unreachable (ECONNRESET)'),
      true,
    );
    expect(failure).toMatchObject({ statusCode: 503, reason: 'redis-unavailable' });
    // The client's message (which names the server) is not passed on to HTTP callers.
    expect(failure.message).not.toContain('ECONNRESET');
  });

  it('answers 503 for any failure while the connection is not ready', () => {
    expect(fromPublishError(new Error("Stream isn't writeable"), false).statusCode).toBe(503);
  });

  it('maps the stream client and codec refusals to 4xx', () => {
    expect(fromPublishError(new InvalidNameError('topic', 'a b'), true)).toMatchObject({
      statusCode: 400,
      reason: 'invalid-topic',
    });
    expect(fromPublishError(new TopicNotFoundError('nope'), true)).toMatchObject({
      statusCode: 404,
      reason: 'unknown-topic',
    });
    expect(
      fromPublishError(new CodecError('CODEC_UNKNOWN_TYPE', 'no such type', {}), true),
    ).toMatchObject({ statusCode: 422, reason: 'unknown-type' });
  });

  it("maps the stream client's InvalidEventError like the CodecError it wraps", () => {
    const cause = new CodecError('CODEC_UNSUPPORTED_VALUE', 'payload holds a function at f', {
      path: 'f',
    });
    expect(fromPublishError(new InvalidEventError(cause), true)).toMatchObject({
      statusCode: 400,
      reason: 'invalid-event',
      details: { path: 'payload.f' },
    });
    expect(fromPublishError(new InvalidEventError(cause, 2), true)).toMatchObject({
      statusCode: 400,
      reason: 'invalid-event',
      details: { index: 2, path: 'events[2].payload.f' },
    });
  });

  it('keeps anything else a 500 instead of guessing from the message', () => {
    expect(fromPublishError(new Error('ECONNREFUSED in a message'), true).statusCode).toBe(500);
    expect(
      fromPublishError(new StreamClientError('RS_SCRIPT_UNEXPECTED_REPLY', 'odd reply'), true)
        .statusCode,
    ).toBe(500);
  });
});
