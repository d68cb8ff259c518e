import * as tf from '@tensorflow/tfjs';
import { VlakitError } from '@vlakit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { gelu, layerNorm } from './fused-ops.js';
import { initBackend } from './init-backend.js';
import { values as sineValues } from './test-kernels.js';

const values = (shape: number[], seed: number): tf.Tensor => sineValues(shape, seed, 2);

/** Value and gradients of sum(f(...) * w) for a fixed weighting w (so every output matters). */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): number[][] {
  return tf.tidy(() => {
    const w = values(f(...inputs).shape, 99);
    const { value, grads } = tf.valueAndGrads(
      (...xs: tf.Tensor[]) =>
        f(...xs)
          .mul(w)
          .sum() as tf.Scalar,
    )(inputs);
    return [
      Array.from(f(...inputs).dataSync()),
      [value.dataSync()[0]!],
      ...grads.map((g) => Array.from(g.dataSync())),
    ];
  });
}

const composite = {
  gelu: (x: tf.Tensor) => x.mul(0.5).mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)),
  layerNorm: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return x
      .sub(mean)
      .mul(tf.rsqrt(variance.add(1e-5)))
      .mul(g)
      .add(b);
  },
};

function expectClose(a: number[][], b: number[][], tol: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((row, i) => {
    expect(row.length).toBe(b[i]!.length);
    row.forEach((v, j) => expect(Math.abs(v - b[i]![j]!) / (1 + Math.abs(b[i]![j]!))).toBeLessThan(tol));
  });
}

afterAll(() => {
  tf.setBackend('cpu');
});

describe.each([
  ['cpu', false],
  ['wasm', false],
  ['wasm', true], // the addon's C loops when it is built (JavaScript loops otherwise)
] as const)('fused ops on %s (native %s) match the tfjs-op composition on cpu', (backend, native) => {
  it('gelu: value and gradient', async () => {
    await initBackend('cpu');
    const x = values([3, 7], 1);
    const expected = valueAndGrads(composite.gelu, [x]);
    await initBackend(backend, { native });
    const before = tf.memory().numTensors;
    expectClose(
      valueAndGrads((t) => gelu(t), [x]),
      expected,
      2e-5,
    );
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
  it('layerNorm: value and gradients of x, gamma, beta', async () => {
    await initBackend('cpu');
    const inputs = [values([2, 3, 8], 2), values([8], 3), values([8], 4)];
    const expected = valueAndGrads(composite.layerNorm, inputs);
    await initBackend(backend, { native });
    const before = tf.memory().numTensors;
    expectClose(
      valueAndGrads((x, g, b) => layerNorm(x!, g!, b!), inputs),
      expected,
      2e-5,
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(inputs);
  });
});

describe('layerNorm input checks', () => {
  it('a gamma of the wrong width is a shape error naming both shapes', () => {
    const error = (() => {
      try {
        layerNorm(tf.zeros([2, 4]), tf.ones([3]), tf.zeros([4]));
      } catch (e) {
        return e;
      }
    })();
    expect(VlakitError.isInstance(error, 'shape')).toBe(true);
    expect((error as Error).message).toBe(
      'layerNorm: gamma [3] and beta [4] must both be [4] (the last axis of x [2,4])',
    );
  });
});
