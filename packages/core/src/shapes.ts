import { VlakitError } from './errors.js';

/** A dimension: a concrete size, or a symbol such as 'B' (batch) or 'N' (tokens). */
export type Dim = number | string;
export type SymbolicShape = readonly Dim[];

/** The batch dimension's symbol; every port's first dimension is the batch. */
export const BATCH = 'B';

export function formatShape(shape: readonly Dim[]): string {
  return `(${shape.join(', ')})`;
}

/**
 * Whether a tensor produced on port `from` may feed port `to`: equal rank, and every pair of
 * concrete dimensions equal. Returns the reason when it may not.
 */
export function shapeMismatch(from: SymbolicShape, to: SymbolicShape): string | undefined {
  if (from.length !== to.length) return `rank ${from.length} vs ${to.length}`;
  for (let i = 0; i < from.length; i++) {
    const a = from[i];
    const b = to[i];
    if (typeof a === 'number' && typeof b === 'number' && a !== b) return `dimension ${i} is ${a} vs ${b}`;
  }
  return undefined;
}

/**
 * Matches a concrete tensor shape against a symbolic one, binding symbols in `bindings`
 * (shared across the ports of one call, so 'B' must agree everywhere). Throws a shape error
 * that names `what` (e.g. "input 'image' of stage 'vision'").
 */
export function bindShape(
  actual: readonly number[],
  declared: SymbolicShape,
  bindings: Map<string, { size: number; where: string }>,
  what: string,
): void {
  if (actual.length !== declared.length) {
    throw new VlakitError(
      'shape',
      `${what}: expected rank ${declared.length} ${formatShape(declared)}, got rank ${actual.length} ${formatShape(actual)}`,
      { details: { expected: declared, actual } },
    );
  }
  for (let i = 0; i < declared.length; i++) {
    const want = declared[i]!;
    const got = actual[i]!;
    if (typeof want === 'number') {
      if (want !== got) {
        throw new VlakitError(
          'shape',
          `${what}: dimension ${i} must be ${want}, got ${got} (expected ${formatShape(declared)}, got ${formatShape(actual)})`,
          { details: { expected: declared, actual } },
        );
      }
      continue;
    }
    const bound = bindings.get(want);
    if (bound === undefined) bindings.set(want, { size: got, where: what });
    else if (bound.size !== got) {
      throw new VlakitError(
        'shape',
        `${what}: dimension ${want} is ${got}, but ${bound.where} set ${want} = ${bound.size} (got ${formatShape(actual)}, expected ${formatShape(declared)})`,
        { details: { expected: declared, actual, symbol: want } },
      );
    }
  }
}
