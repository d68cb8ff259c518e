import { fileURLToPath } from 'node:url';

/** The fixtures folder (written by fixtures/make_fixture.py). */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export const silentLogger = { info: () => {}, warn: () => {} } as never;
