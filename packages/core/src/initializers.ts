import type { SeededRandom } from './seeded-random.js';

/** How a variable starts. All draws come from the stage's seeded generator. */
export type Initializer =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'constant'; value: number }
  | { kind: 'normal'; std: number }
  | { kind: 'truncatedNormal'; std: number }
  | { kind: 'glorotUniform' }
  | { kind: 'uniform'; limit: number };

export const init = {
  zeros: { kind: 'zeros' } as Initializer,
  ones: { kind: 'ones' } as Initializer,
  glorot: { kind: 'glorotUniform' } as Initializer,
  constant: (value: number): Initializer => ({ kind: 'constant', value }),
  normal: (std: number): Initializer => ({ kind: 'normal', std }),
  truncatedNormal: (std: number): Initializer => ({ kind: 'truncatedNormal', std }),
  uniform: (limit: number): Initializer => ({ kind: 'uniform', limit }),
};

/** Fills a new array for `shape` from `initializer`. Fan-in/out use the last two dims. */
export function initialValues(
  shape: readonly number[],
  initializer: Initializer,
  rng: SeededRandom,
): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  switch (initializer.kind) {
    case 'zeros':
      return out;
    case 'ones':
      return out.fill(1);
    case 'constant':
      return out.fill(initializer.value);
    case 'normal':
      for (let i = 0; i < size; i++) out[i] = rng.normal() * initializer.std;
      return out;
    case 'truncatedNormal':
      for (let i = 0; i < size; i++) {
        let x = rng.normal();
        while (Math.abs(x) > 2) x = rng.normal();
        out[i] = x * initializer.std;
      }
      return out;
    case 'glorotUniform': {
      const fanOut = shape.length >= 1 ? shape[shape.length - 1]! : 1;
      const fanIn = shape.length >= 2 ? shape[shape.length - 2]! : fanOut;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < size; i++) out[i] = (rng.uniform() * 2 - 1) * limit;
      return out;
    }
    case 'uniform':
      for (let i = 0; i < size; i++) out[i] = (rng.uniform() * 2 - 1) * initializer.limit;
      return out;
  }
}
