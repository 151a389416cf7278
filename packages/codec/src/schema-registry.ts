import type { StandardSchemaV1 } from '@standard-schema/spec';
import { CodecError, describeThrown } from './codec-error.js';
import { CODEC_LIMITS } from './codec-limits.js';
import type { DecodedEvent } from './event-types.js';
import { validateSync } from './validate-sync.js';

/** Event type -> payload type of its newest version, built up by `register` calls. */
export type EventTypeMap = Record<string, unknown>;

/** Lifts a payload of version n-1 (the validated output) to the input of version n. */
export type Upcaster<Previous = unknown, Next = unknown> = (previous: Previous) => Next;

/** What the registry does with an event type it does not know. */
export type UnknownTypePolicy = 'reject' | 'passthrough';

export interface SchemaRegistryOptions {
  /**
   * 'reject' (default): encode and decode fail with CODEC_UNKNOWN_TYPE. 'passthrough': the
   * payload goes through unvalidated, for consumers that register only the types they handle.
   */
  unknownTypes?: UnknownTypePolicy;
}

type WithType<Types extends EventTypeMap, T extends string, Payload> = {
  [K in keyof Types | T]: K extends T ? Payload : Types[K];
};

// biome-ignore lint/complexity/noBannedTypes: {} is the empty type map a new registry starts with.
type NoTypes = {};

interface VersionEntry {
  readonly schema: StandardSchemaV1;
  /** Lifts the previous version to this one; absent on a type's first version. */
  readonly upcast: Upcaster | undefined;
}

interface TypeEntry {
  readonly first: number;
  /** versions[i] is version first + i. */
  readonly versions: VersionEntry[];
}

/**
 * What a codec needs from a registry. SchemaRegistry implements it; the codec option is typed by
 * this shape so a registry of any type map is accepted.
 */
export interface CodecSchemas {
  checkOutgoing(type: string, version: number | undefined, payload: unknown): number | undefined;
  upgrade(type: string, version: number, payload: unknown): UpgradedPayload;
}

/** A payload brought to the newest version of its type. */
export interface UpgradedPayload {
  payload: unknown;
  schemaVersion: number;
  /** Set when at least one upcaster ran: the version the payload arrived with. */
  upcastFrom?: number;
}

/**
 * Event types, their schema per version (any Standard Schema: zod 4, valibot, arktype...), and the
 * upcasters between consecutive versions. Register with chained calls so TypeScript tracks each
 * type's newest payload type:
 *
 *   const registry = new SchemaRegistry()
 *     .register('order.paid', 1, OrderPaidV1)
 *     .register('order.paid', 2, OrderPaidV2, (v1) => ({ ...v1, currency: 'EUR' }));
 *
 * Versions of a type are registered in order, consecutive from the first (which may be above 1
 * once old versions are retired); every version after the first needs its upcaster.
 */
export class SchemaRegistry<Types extends EventTypeMap = NoTypes> implements CodecSchemas {
  readonly unknownTypes: UnknownTypePolicy;
  readonly #types = new Map<string, TypeEntry>();

  constructor(options: SchemaRegistryOptions = {}) {
    const unknownTypes = options.unknownTypes ?? 'reject';
    if (unknownTypes !== 'reject' && unknownTypes !== 'passthrough') {
      throw new CodecError(
        'CODEC_BAD_OPTION',
        `SchemaRegistry option unknownTypes must be 'reject' or 'passthrough', got ${JSON.stringify(unknownTypes)}`,
        { field: 'unknownTypes' },
      );
    }
    this.unknownTypes = unknownTypes;
  }

  /**
   * Registers `version` of `type`. The first registration of a type takes no upcaster; every
   * later one must be the next version and needs an upcaster from the previous version's output
   * to this version's input. Returns the registry itself, retyped, for chaining.
   */
  register<const T extends string, S extends StandardSchemaV1>(
    type: T,
    version: number,
    schema: S,
    ...upcast: T extends keyof Types
      ? [upcast: Upcaster<Types[T], StandardSchemaV1.InferInput<S>>]
      : [upcast?: undefined]
  ): SchemaRegistry<WithType<Types, T, StandardSchemaV1.InferOutput<S>>> {
    const upcaster = upcast[0] as Upcaster | undefined;
    if (
      typeof type !== 'string' ||
      type === '' ||
      Buffer.byteLength(type) > CODEC_LIMITS.maxTypeBytes
    ) {
      throw badRegistration(
        `event type must be a non-empty string of at most ${CODEC_LIMITS.maxTypeBytes} bytes, got ${JSON.stringify(type)}`,
        type,
      );
    }
    if (!Number.isInteger(version) || version < 1 || version > CODEC_LIMITS.maxSchemaVersion) {
      throw badRegistration(
        `${type}: version must be an integer from 1, got ${String(version)}`,
        type,
      );
    }
    const standard = (schema as Partial<StandardSchemaV1> | null)?.['~standard'];
    if (standard?.version !== 1 || typeof standard.validate !== 'function') {
      throw badRegistration(
        `${type} v${version}: schema is not a Standard Schema v1 (no '~standard.validate'); ` +
          'zod 4, valibot and arktype schemas are',
        type,
        version,
      );
    }
    const entry = this.#types.get(type);
    if (!entry) {
      if (upcaster !== undefined) {
        throw badRegistration(
          `${type} v${version}: the first version of a type takes no upcaster`,
          type,
          version,
        );
      }
      this.#types.set(type, { first: version, versions: [{ schema, upcast: undefined }] });
    } else {
      const next = entry.first + entry.versions.length;
      if (version !== next) {
        throw badRegistration(
          `${type}: versions are registered in order; expected v${next}, got v${version}`,
          type,
          version,
        );
      }
      if (typeof upcaster !== 'function') {
        throw badRegistration(
          `${type} v${version}: needs an upcaster from v${version - 1} (previous output -> this input)`,
          type,
          version,
        );
      }
      entry.versions.push({ schema, upcast: upcaster });
    }
    return this as unknown as SchemaRegistry<WithType<Types, T, StandardSchemaV1.InferOutput<S>>>;
  }

  has(type: string): boolean {
    return this.#types.has(type);
  }

  /** The registered event types, in registration order. */
  types(): string[] {
    return [...this.#types.keys()];
  }

  /** The registered versions of `type`, oldest first ([] when unknown). */
  versions(type: string): number[] {
    const entry = this.#types.get(type);
    return entry ? entry.versions.map((_, i) => entry.first + i) : [];
  }

  /** The newest registered version of `type`, or undefined when unknown. */
  latestVersion(type: string): number | undefined {
    const entry = this.#types.get(type);
    return entry ? entry.first + entry.versions.length - 1 : undefined;
  }

  /**
   * Checks a payload about to be published. Returns the schema version to write: `version` when
   * given (any registered one, so a producer may keep writing an older version), else the newest.
   * Returns undefined for an unknown type under 'passthrough'.
   */
  checkOutgoing(type: string, version: number | undefined, payload: unknown): number | undefined {
    const entry = this.#types.get(type);
    if (!entry) return this.#unknownType(type, version, 'encode');
    const latest = entry.first + entry.versions.length - 1;
    const used = version ?? latest;
    if (used > latest || used < entry.first) {
      throw new CodecError(
        'CODEC_UNKNOWN_VERSION',
        `${type} v${used} is not registered (registered: v${entry.first}..v${latest})`,
        { type, version: used },
      );
    }
    validateSync(entry.versions[used - entry.first]!.schema, payload, type, used, 'encode');
    return used;
  }

  /**
   * Validates a payload read at `version` and upcasts it step by step to the newest version,
   * validating at every step: each upcaster gets the previous schema's output and its result must
   * pass the next schema, whose output is what the consumer sees. Unknown type under
   * 'passthrough': the payload comes back unchanged.
   */
  upgrade(type: string, version: number, payload: unknown): UpgradedPayload {
    const entry = this.#types.get(type);
    if (!entry) {
      this.#unknownType(type, version, 'decode');
      return { payload, schemaVersion: version };
    }
    const latest = entry.first + entry.versions.length - 1;
    if (version > latest) {
      throw new CodecError(
        'CODEC_NEWER_VERSION',
        `${type} v${version} was written by a newer producer: this registry knows up to v${latest}; ` +
          'deploy the newer schema to this consumer (the entry can be replayed from the dead letters)',
        { type, version },
      );
    }
    if (version < entry.first) throw unknownVersion(type, version, entry.first);
    let value = validateSync(
      entry.versions[version - entry.first]!.schema,
      payload,
      type,
      version,
      'decode',
    );
    for (let v = version + 1; v <= latest; v++) {
      const step = entry.versions[v - entry.first]!;
      let lifted: unknown;
      try {
        lifted = step.upcast!(value);
      } catch (thrown) {
        throw new CodecError(
          'CODEC_UPCAST_FAILED',
          `${type}: the upcaster v${v - 1} -> v${v} threw: ${describeThrown(thrown)}`,
          { type, version: v },
          { cause: thrown },
        );
      }
      value = validateSync(step.schema, lifted, type, v, 'upcast');
    }
    return version === latest
      ? { payload: value, schemaVersion: latest }
      : { payload: value, schemaVersion: latest, upcastFrom: version };
  }

  #unknownType(type: string, version: number | undefined, phase: 'encode' | 'decode'): undefined {
    if (this.unknownTypes === 'passthrough') return undefined;
    const known = this.types();
    throw new CodecError(
      'CODEC_UNKNOWN_TYPE',
      `event type ${JSON.stringify(type)} is not registered (on ${phase}); known: ` +
        `${known.length ? known.join(', ') : 'none'}. Register it, or create the registry with ` +
        `{ unknownTypes: 'passthrough' }`,
      { type, ...(version === undefined ? {} : { version }) },
    );
  }
}

function unknownVersion(type: string, version: number, first: number): CodecError {
  return new CodecError(
    'CODEC_UNKNOWN_VERSION',
    `${type} v${version} is not registered: the oldest registered version is v${first}`,
    { type, version },
  );
}

function badRegistration(message: string, type: unknown, version?: number): CodecError {
  return new CodecError('CODEC_BAD_REGISTRATION', message, {
    ...(typeof type === 'string' ? { type } : {}),
    ...(version === undefined ? {} : { version }),
  });
}

/** The type map of a registry: event type -> payload type of its newest version. */
export type RegisteredTypes<R> = R extends SchemaRegistry<infer Types> ? Types : never;

/** The newest payload type of event type `T` in registry `R`. */
export type PayloadOf<R, T extends keyof RegisteredTypes<R>> = RegisteredTypes<R>[T];

/** A decoded event of type `T`, its payload typed as the newest version's output. */
export type TypedEvent<R, T extends keyof RegisteredTypes<R> & string> = Omit<
  DecodedEvent<PayloadOf<R, T>>,
  'type'
> & { type: T };

/** Any decoded event of registry `R`: a union that narrows on `event.type`. */
export type AnyTypedEvent<R> = {
  [T in keyof RegisteredTypes<R> & string]: TypedEvent<R, T>;
}[keyof RegisteredTypes<R> & string];

/** A handler per event type, each typed with its event's newest payload. */
export type EventHandlers<R, Result = void | Promise<void>> = {
  [T in keyof RegisteredTypes<R> & string]?: (event: TypedEvent<R, T>) => Result;
};
