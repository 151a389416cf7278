import type { CodecError, CodecErrorCode } from '@redstream/codec';

/**
 * Every error the stream client throws is a StreamClientError with a stable `code`
 * (`RS_<AREA>_<PROBLEM>`) and `retriable`, so callers can branch on the code and retry
 * policies can ask the error itself.
 */
export class StreamClientError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(
    code: string,
    message: string,
    options: { retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A topic, group or consumer name that cannot be used in a Redis key layout. */
export class InvalidNameError extends StreamClientError {
  constructor(kind: string, value: string) {
    super(
      'RS_CONFIG_INVALID_NAME',
      `invalid ${kind} name ${JSON.stringify(value)}: expected 1-200 characters of A-Z a-z 0-9 . _ - (no braces, colons or spaces)`,
    );
  }
}

/** An option that is out of range or of the wrong form. */
export class InvalidOptionError extends StreamClientError {
  constructor(option: string, expected: string, received: unknown) {
    super(
      'RS_CONFIG_INVALID_OPTION',
      `option ${option}: expected ${expected}, received ${JSON.stringify(received)}`,
    );
  }
}

/** The configured partition count disagrees with the one stored for the topic. */
export class PartitionMismatchError extends StreamClientError {
  constructor(
    readonly topic: string,
    readonly configured: number,
    readonly stored: number,
  ) {
    super(
      'RS_TOPIC_PARTITION_MISMATCH',
      `topic ${topic} has ${stored} partitions in Redis but ${configured} were configured; ` +
        `use ${stored}, or create a new topic (partitions are never remapped silently)`,
    );
  }
}

/** The group has not been created on the topic (`admin.createGroup`, or a subscription's start). */
export class GroupNotFoundError extends StreamClientError {
  constructor(
    readonly topic: string,
    readonly group: string,
  ) {
    super(
      'RS_GROUP_NOT_FOUND',
      `group ${JSON.stringify(group)} does not exist on topic ${JSON.stringify(topic)}; create it with admin.createGroup or by subscribing`,
    );
  }
}

export class TopicNotFoundError extends StreamClientError {
  constructor(readonly topic: string) {
    super(
      'RS_TOPIC_NOT_FOUND',
      `topic ${topic} does not exist; create it with ensureTopic(${JSON.stringify(topic)}, { partitions })`,
    );
  }
}

/** Redis could not be reached or answered with a connection-level error. Retriable. */
export class ConnectionError extends StreamClientError {
  constructor(message: string, cause?: unknown) {
    super('RS_CONNECTION', message, { retriable: true, cause });
  }
}

/** The server is older than the library supports. */
export class UnsupportedServerError extends StreamClientError {
  constructor(version: string) {
    super(
      'RS_SERVER_UNSUPPORTED',
      `Redis ${version} is not supported: redstream needs Redis 7.0+ or Valkey 7.2+`,
    );
  }
}

/**
 * This consumer no longer owns the partition (its lease epoch is stale): another replica took
 * it over. The work is dropped here; the new owner processes the entry.
 */
export class FencedError extends StreamClientError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly epoch: number,
  ) {
    super(
      'RS_PARTITION_FENCED',
      `partition ${partition} of ${topic} is no longer owned at epoch ${epoch}`,
    );
  }
}

/**
 * Thrown by a handler to say that retrying cannot help (bad data, a permanent refusal):
 * the event goes to the dead-letter stream at once.
 */
export class NonRetriableError extends StreamClientError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('RS_HANDLER_NON_RETRIABLE', message, { retriable: false, cause: options.cause });
  }
}

/**
 * A handler queued an effect that can never be applied (a command outside the allow-list,
 * a malformed argument, a key outside the partition's hash tag). Thrown by `ctx.effects` at
 * once, inside the handler: retrying cannot help, so the event is dead-lettered.
 */
export class InvalidEffectError extends StreamClientError {
  constructor(message: string) {
    super('RS_EFFECT_INVALID', message, { retriable: false });
  }
}

/**
 * Redis refused the handler's effects (checked before anything was written, so nothing was
 * applied and the entry was not acked): a handler failure, retried, then dead-lettered with
 * reason `effects-failed`.
 */
export class EffectsFailedError extends StreamClientError {
  /**
   * Set when Redis refused an effect after earlier ones were applied (a refusal the checks
   * could not foresee): not retriable, the event goes to the dead-letter stream at once.
   */
  readonly partlyApplied: boolean;

  constructor(
    message: string,
    readonly effect?: number,
    cause?: unknown,
    { partlyApplied = false }: { partlyApplied?: boolean } = {},
  ) {
    super('RS_EFFECTS_FAILED', message, { retriable: !partlyApplied, cause });
    this.partlyApplied = partlyApplied;
  }
}

/** A handler did not settle within `handlerTimeoutMs`: counted as a retriable failure. */
export class HandlerTimeoutError extends StreamClientError {
  /**
   * `stillRunning`: the run that timed out, when the timeout came from a middleware: ordering
   * key waits for it before the key runs again, as it does after `handlerTimeoutMs`.
   */
  constructor(
    readonly timeoutMs: number,
    readonly source = 'handlerTimeoutMs',
    readonly stillRunning?: Promise<unknown>,
  ) {
    super('RS_HANDLER_TIMEOUT', `handler did not settle within ${source} (${timeoutMs} ms)`, {
      retriable: true,
    });
  }
}

/**
 * An event whose type no handler of a `handlers` map takes, and there is no `fallback`:
 * dead-lettered at once with reason `no-handler` (retrying cannot route it).
 */
export class UnroutableEventError extends StreamClientError {
  constructor(
    readonly type: string,
    known: readonly string[],
  ) {
    super(
      'RS_HANDLER_NO_ROUTE',
      `no handler for event type ${JSON.stringify(type)} (handlers: ${known.join(', ') || 'none'}); add one or a fallback`,
      { retriable: false },
    );
  }
}

/** The client or subscription was closed while the operation was waiting. */
export class ClosedError extends StreamClientError {
  constructor(what: string) {
    super('RS_CLOSED', `${what} is closed`);
  }
}

/**
 * Redis may evict keys (a maxmemory-policy other than noeviction) and the client was told to
 * refuse that (`requireNoEviction`). Eviction silently drops stream entries, groups and leases,
 * so this is a configuration problem to fix on the server, not a connection to retry.
 */
export class EvictionPolicyError extends StreamClientError {
  constructor(
    readonly policy: string,
    message: string,
  ) {
    super('RS_CONFIG_EVICTION_POLICY', message);
  }
}

/**
 * The codec refused an event given to publish (a payload it cannot carry, a bad type, id or
 * key, a schema violation...). Nothing of the call was appended. `cause` is the CodecError;
 * its stable code is `codecCode`, and `index` is the event's position in a publishMany batch.
 */
export class InvalidEventError extends StreamClientError {
  readonly codecCode: CodecErrorCode;
  readonly index: number | undefined;

  constructor(cause: CodecError, index?: number) {
    super(
      'RS_EVENT_INVALID',
      `${index === undefined ? 'event' : `event ${index}`} refused by the codec (${cause.code}): ${cause.message}`,
      { retriable: false, cause },
    );
    this.codecCode = cause.code;
    this.index = index;
  }
}
