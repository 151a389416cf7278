import type { StandardSchemaV1 } from '@standard-schema/spec';
import { CodecError, describeThrown, type SchemaIssue } from './codec-error.js';
import { describePath, formatPath } from './format-path.js';

/** Where a validation happens, for messages: a producer's payload, a read one, or an upcast one. */
export type ValidationPhase = 'encode' | 'decode' | 'upcast';

const MAX_ISSUES_IN_MESSAGE = 3;

/**
 * Runs a Standard Schema validator and demands a synchronous answer: encode and decode are
 * synchronous (they sit on the publish and delivery hot paths), so a validator that returns a
 * Promise is refused with CODEC_ASYNC_SCHEMA instead of being awaited.
 */
export function validateSync(
  schema: StandardSchemaV1,
  value: unknown,
  type: string,
  version: number,
  phase: ValidationPhase,
): unknown {
  let result: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;
  try {
    result = schema['~standard'].validate(value);
  } catch (thrown) {
    throw new CodecError(
      'CODEC_SCHEMA_VIOLATION',
      `${type} v${version}: the schema's validator threw on ${phase}: ${describeThrown(thrown)}`,
      { type, version },
      { cause: thrown },
    );
  }
  if (isThenable(result)) {
    // Nobody will await it; keep a rejection from surfacing as an unhandled one.
    result.then(undefined, () => {});
    throw new CodecError(
      'CODEC_ASYNC_SCHEMA',
      `${type} v${version}: the schema's validator returned a Promise, but codec validation is ` +
        'synchronous; remove async refinements/transforms from this schema (zod also goes async ' +
        'when a refinement throws)',
      { type, version },
    );
  }
  if (result.issues) throw violation(result.issues, type, version, phase);
  return result.value;
}

function violation(
  raw: ReadonlyArray<StandardSchemaV1.Issue>,
  type: string,
  version: number,
  phase: ValidationPhase,
): CodecError {
  const issues: SchemaIssue[] = raw.map((issue) => ({
    path: issue.path ? formatPath(issue.path) : '',
    message: String(issue.message),
  }));
  const shown = issues
    .slice(0, MAX_ISSUES_IN_MESSAGE)
    .map((issue) => `at ${describePath(issue.path)}: ${issue.message}`)
    .join('; ');
  const more =
    issues.length > MAX_ISSUES_IN_MESSAGE
      ? ` (and ${issues.length - MAX_ISSUES_IN_MESSAGE} more)`
      : '';
  const when =
    phase === 'encode'
      ? 'payload to publish'
      : phase === 'decode'
        ? 'payload read'
        : 'upcast payload';
  return new CodecError(
    'CODEC_SCHEMA_VIOLATION',
    `${type} v${version}: ${when} fails its schema ${shown || '(no issue given)'}${more}`,
    { type, version, path: issues[0]?.path ?? '', issues },
  );
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
