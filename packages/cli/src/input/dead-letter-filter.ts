import type { DeadLetter } from '@redstream/stream-client';
import { InvalidInputError } from '../cli-error.js';

const FIELDS = {
  reason: (d: DeadLetter) => d.reason,
  type: (d: DeadLetter) => d.event?.type,
  key: (d: DeadLetter) => d.event?.key ?? undefined,
  group: (d: DeadLetter) => d.group,
  consumer: (d: DeadLetter) => d.consumer,
  error: (d: DeadLetter) => d.error,
  partition: (d: DeadLetter) => String(d.partition),
  id: (d: DeadLetter) => d.id,
  origin: (d: DeadLetter) => d.originId,
} as const;

type FilterField = keyof typeof FIELDS;

export const FILTER_FORM = `field=value, field!=value or field~text (contains), with field one of ${Object.keys(FIELDS).join(', ')}`;

interface Condition {
  field: FilterField;
  op: '=' | '!=' | '~';
  value: string;
}

const CONDITION = new RegExp(`^\\s*(${Object.keys(FIELDS).join('|')})\\s*(!=|=|~)(.*)$`);
// Split `reason=x,type=y` only where a new condition starts, so values may contain commas.
const SEPARATOR = new RegExp(`,(?=\\s*(?:${Object.keys(FIELDS).join('|')})\\s*(?:!=|=|~))`);

/**
 * Parses `--filter` expressions (repeatable, or comma-separated) into one predicate; every
 * condition must hold. `reason=max-deliveries`, `type=order.paid`, `key=o-1`, `error~timeout`.
 */
export function parseDeadLetterFilter(
  expressions: readonly string[],
): ((deadLetter: DeadLetter) => boolean) | undefined {
  const conditions = expressions
    .flatMap((expression) => expression.split(SEPARATOR))
    .map(parseCondition);
  if (conditions.length === 0) return undefined;
  return (deadLetter) => conditions.every((condition) => holds(condition, deadLetter));
}

function parseCondition(text: string): Condition {
  const match = CONDITION.exec(text);
  if (!match) throw new InvalidInputError('--filter', FILTER_FORM, text);
  return {
    field: match[1] as FilterField,
    op: match[2] as Condition['op'],
    value: match[3]!.trim(),
  };
}

function holds(condition: Condition, deadLetter: DeadLetter): boolean {
  const actual = FIELDS[condition.field](deadLetter);
  if (condition.op === '~') return actual?.includes(condition.value) ?? false;
  const equal = actual === condition.value;
  return condition.op === '=' ? equal : !equal;
}
