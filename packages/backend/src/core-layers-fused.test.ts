import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNELS, geluErf, geluErfComposed, layerNorm, layerNormComposed } from '@vlakit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { registerFusedKernels, unregisterFusedKernels } from './fused-ops.js';
import { initBackend } from './init-backend.js';
import { maxDiff, recordKernels, values as sineValues, testNative } from './test-kernels.js';

/** Deterministic values in [-amp, amp] (GELU cases reach past erf's +-4 clamp). */
const values = (shape: number[], seed: number, amp = 3): tf.Tensor => sineValues(shape, seed, amp);

/** Value and the gradients of sum(f(...) * w) for a fixed weighting w, as flat arrays. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const y = f(...inputs);
    const w = values(y.shape, 99, 1);
    const { grads } = tf.valueAndGrads(
      (...xs: tf.Tensor[]) =>
        f(...xs)
          .mul(w)
          .sum() as tf.Scalar,
    )(inputs);
    return [y.dataSync() as Float32Array, ...grads.map((g) => g.dataSync() as Float32Array)];
  });
}

const native = testNative();

/**
 * Runs `f` with the fused kernels registered (the addon's C loops when `useNative`, else the
 * JavaScript loops) and without, on the current backend.
 */
function fusedAndComposed(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], useNative = false) {
  registerFusedKernels({ native: useNative ? native : undefined });
  // record which kernels ran, to prove the fused path was taken
  const { result: fused, calls } = recordKernels(() => valueAndGrads(f, inputs));
  unregisterFusedKernels();
  const composed = valueAndGrads(f, inputs);
  registerFusedKernels();
  return { fused, composed, calls };
}

afterAll(async () => {
  registerFusedKernels();
  await initBackend('cpu');
});

describe.each([
  ['cpu', false],
  ['wasm', false],
  ['wasm', true], // the addon's C loops, when it is built
] as const)(
  "core's layers on %s (C loops: %s): fused kernels equal the composed ops",
  (backend, useNative) => {
    it('layerNorm (ViT-sized, eps 1e-12): value and gradients of x, gamma, beta within 1e-5', async () => {
      if (useNative && native === undefined) return;
      await initBackend(backend, { native: false });
      const inputs = [values([4, 65, 64], 2), values([64], 3, 1), values([64], 4, 1)];
      const f = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => layerNorm(x, { gamma: g, beta: b }, 1e-12);
      const { fused, composed, calls } = fusedAndComposed(f as never, inputs, useNative);
      expect(calls).toContain(FUSED_KERNELS.layerNorm);
      expect(calls).toContain(FUSED_KERNELS.layerNormGrad);
      expect(maxDiff(fused, composed)).toBeLessThanOrEqual(1e-5);
      const reference = valueAndGrads(
        ((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          layerNormComposed(x, { gamma: g, beta: b }, 1e-12)) as never,
        inputs,
      );
      expect(maxDiff(fused, reference)).toBeLessThanOrEqual(1e-5);
      tf.dispose(inputs);
    });

    it('geluErf (values in [-5, 5]): value and gradient within 1e-5', async () => {
      if (useNative && native === undefined) return;
      await initBackend(backend, { native: false });
      const inputs = [values([4, 65, 128], 1, 5)];
      const { fused, composed, calls } = fusedAndComposed(geluErf, inputs, useNative);
      expect(calls).toContain(FUSED_KERNELS.gelu);
      expect(calls).toContain(FUSED_KERNELS.geluGrad);
      expect(maxDiff(fused, composed)).toBeLessThanOrEqual(1e-5);
      expect(maxDiff(fused, valueAndGrads(geluErfComposed, inputs))).toBeLessThanOrEqual(1e-5);
      tf.dispose(inputs);
    });

    it('without the fused kernels, core composes tfjs ops and leaks nothing', async () => {
      await initBackend(backend, { native: false, fused: false });
      const x = values([2, 3, 8], 5);
      const before = tf.memory().numTensors;
      const y = tf.tidy(() => geluErf(layerNorm(x, { gamma: tf.ones([8]), beta: tf.zeros([8]) }, 1e-5)));
      expect(tf.memory().numTensors).toBe(before + 1);
      tf.dispose([x, y]);
    });
  },
);
