import type { z } from 'zod';
import { quote, VlakitError } from './errors.js';

/** Reads the value at `path` inside `input`, for quoting it in a message. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/**
 * Parses `input` with `schema`; on failure throws one config error listing every problem
 * as "where.field (value): rule".
 */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const label = path ? `${where}.${path}` : where;
    const value = valueAt(input, issue.path);
    const shown = issue.code === 'unrecognized_keys' ? '' : ` (${quote(value)})`;
    return `${label}${shown}: ${issue.message}`;
  });
  throw new VlakitError('config', `invalid ${where}:\n  ${lines.join('\n  ')}`, {
    details: { issues: result.error.issues },
  });
}
