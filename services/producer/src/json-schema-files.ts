import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaRegistry, type UnknownTypePolicy } from '@redstream/codec';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** `order.paid.v1.json`: the event type, then the schema version. */
const FILE_NAME = /^(.+)\.v([1-9]\d{0,8})\.json$/;

/** A schema directory that cannot be loaded: names the file and what is wrong with it. */
export class SchemaFileError extends Error {
  readonly code = 'PRODUCER_SCHEMA_FILE';

  constructor(
    readonly file: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${message}`, options);
    this.name = 'SchemaFileError';
  }
}

export interface LoadedSchemas {
  registry: SchemaRegistry;
  /** `type` -> versions loaded, for the start log line. */
  types: Record<string, number[]>;
}

/**
 * Loads every `<type>.v<version>.json` of `dir` (JSON Schema 2020-12), compiles each once with
 * Ajv, and registers it in a codec SchemaRegistry through Standard Schema, so the codec
 * validates file schemas exactly as it validates zod ones. Versions of a type must be
 * consecutive; v(n-1) -> v(n) is lifted unchanged (a file schema cannot carry code), so a newer
 * version must accept what the older one wrote: add fields as optional. Anything wrong (bad
 * JSON, a schema Ajv refuses in strict mode, a gap in the versions, another file) is a
 * SchemaFileError at start, never a surprise on the first request.
 */
export function loadSchemaDirectory(dir: string, unknownTypes: UnknownTypePolicy): LoadedSchemas {
  const ajv = new Ajv2020({ strict: true, allErrors: false, validateFormats: true });
  addFormats.default(ajv);
  const files = new Map<string, Map<number, string>>();
  for (const file of readdirSync(dir).sort()) {
    if (file.startsWith('.') || file === 'README.md') continue;
    const match = FILE_NAME.exec(file);
    if (!match)
      throw new SchemaFileError(
        file,
        'expected <event type>.v<version>.json (order.paid.v1.json); move other files elsewhere',
      );
    const [, type = '', version] = match;
    const versions = files.get(type) ?? new Map<number, string>();
    versions.set(Number(version), file);
    files.set(type, versions);
  }
  if (files.size === 0)
    throw new SchemaFileError(dir, 'holds no schema files (<event type>.v<version>.json)');

  const registry = new SchemaRegistry({ unknownTypes });
  const types: Record<string, number[]> = {};
  for (const [type, versions] of files) {
    const ordered = [...versions.keys()].sort((a, b) => a - b);
    ordered.forEach((version, index) => {
      const file = versions.get(version)!;
      if (index > 0 && version !== ordered[index - 1]! + 1)
        throw new SchemaFileError(
          file,
          `versions of ${type} must be consecutive: v${version - 1} is missing`,
        );
      const schema = compile(ajv, join(dir, file), file);
      // Upcasting a file schema's payload is the identity: see the function's comment.
      if (index === 0) registry.register(type, version, schema);
      else
        (registry as SchemaRegistry<Record<string, unknown>>).register(
          type,
          version,
          schema,
          (previous) => previous,
        );
    });
    types[type] = ordered;
  }
  return { registry, types };
}

function compile(ajv: Ajv2020, path: string, file: string): StandardSchemaV1 {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SchemaFileError(file, `not readable JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw new SchemaFileError(file, 'expected a JSON Schema object');
  const declared = (document as { $schema?: unknown }).$schema;
  if (declared !== undefined && declared !== 'https://json-schema.org/draft/2020-12/schema')
    throw new SchemaFileError(
      file,
      `$schema ${JSON.stringify(declared)}: only https://json-schema.org/draft/2020-12/schema (or none) is read`,
    );
  try {
    return standardSchemaOf(ajv.compile(document as object));
  } catch (error) {
    throw new SchemaFileError(file, `not a valid schema: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** An Ajv validator as a Standard Schema v1: what the codec's registry takes. */
export function standardSchemaOf(validate: ValidateFunction): StandardSchemaV1 {
  return {
    '~standard': {
      version: 1,
      vendor: 'ajv',
      validate: (value) =>
        validate(value) ? { value } : { issues: (validate.errors ?? []).map(toIssue) },
    },
  };
}

/** Ajv's JSON Pointer and params as a Standard Schema issue path (`items[0].qty`). */
function toIssue(error: ErrorObject): StandardSchemaV1.Issue {
  const path: PropertyKey[] =
    error.instancePath === ''
      ? []
      : error.instancePath
          .slice(1)
          .split('/')
          .map((segment) => {
            const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
            return /^(0|[1-9]\d*)$/.test(key) ? Number(key) : key;
          });
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const named = params.missingProperty ?? params.additionalProperty;
  if (named !== undefined) path.push(named);
  const message =
    error.keyword === 'additionalProperties'
      ? 'is not an allowed property'
      : (error.message ?? error.keyword);
  return { message, path };
}
