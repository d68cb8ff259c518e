import type * as tf from '@tensorflow/tfjs';
import { layerNorm as coreLayerNorm, FUSED_KERNELS, geluErf, VlakitError } from '@vlakit/core';
import { erf } from './erf.js';
import { expNeg } from './exp-neg.js';
import { type JsKernel, registerJsKernel, unregisterJsKernel } from './js-kernel.js';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** erf GELU: y, and Phi(x) = 0.5 (1 + erf(x / sqrt 2)) for the gradient. */
const geluKernel: JsKernel = {
  name: FUSED_KERNELS.gelu,
  inputs: ['x'],
  outputShapes: ([x]) => [x!, x!],
  run([x], [y, cdf]) {
    for (let i = 0; i < x!.length; i++) {
      const v = x![i]!;
      const c = 0.5 + 0.5 * erf(v * Math.SQRT1_2);
      cdf![i] = c;
      y![i] = v * c;
    }
  },
};
/** dx = dy (Phi(x) + x phi(x)), Phi saved by the forward kernel. */
const geluGradKernel: JsKernel = {
  name: FUSED_KERNELS.geluGrad,
  inputs: ['dy', 'x', 'cdf'],
  outputShapes: ([dy]) => [dy!],
  run([dy, x, cdf], [dx]) {
    for (let i = 0; i < x!.length; i++) {
      const v = x![i]!;
      dx![i] = dy![i]! * (cdf![i]! + v * expNeg(0.5 * v * v) * INV_SQRT_2PI);
    }
  },
};

/** LayerNorm over the last axis: y, and per row the mean and 1/sqrt(var + eps) for the gradient. */
const layerNormKernel: JsKernel = {
  name: FUSED_KERNELS.layerNorm,
  inputs: ['x', 'gamma', 'beta'],
  outputShapes: ([x]) => [
    x!,
    [x!.slice(0, -1).reduce((a, b) => a * b, 1)],
    [x!.slice(0, -1).reduce((a, b) => a * b, 1)],
  ],
  run([x, g, b], [y, mean, rstd], [shape], attrs) {
    const d = shape!.at(-1)!;
    const eps = attrs.epsilon as number;
    const rows = x!.length / d;
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      let s = 0;
      for (let i = 0; i < d; i++) s += x![o + i]!;
      const mu = s / d;
      let q = 0;
      for (let i = 0; i < d; i++) {
        const c = x![o + i]! - mu;
        q += c * c;
      }
      const rs = 1 / Math.sqrt(q / d + eps);
      mean![r] = mu;
      rstd![r] = rs;
      for (let i = 0; i < d; i++) y![o + i] = (x![o + i]! - mu) * rs * g![i]! + b![i]!;
    }
  },
};
const layerNormGradKernel: JsKernel = {
  name: FUSED_KERNELS.layerNormGrad,
  inputs: ['dy', 'x', 'gamma', 'mean', 'rstd'],
  outputShapes: ([, x, g]) => [x!, g!, g!],
  run([dy, x, g, mean, rstd], [dx, dg, db], [shape]) {
    const d = shape!.at(-1)!;
    const rows = x!.length / d;
    const accG = new Float64Array(d);
    const accB = new Float64Array(d);
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      const mu = mean![r]!;
      const rs = rstd![r]!;
      let sum1 = 0; // sum of dy*g
      let sum2 = 0; // sum of dy*g*xhat
      for (let i = 0; i < d; i++) {
        const xh = (x![o + i]! - mu) * rs;
        const dyi = dy![o + i]!;
        const dxh = dyi * g![i]!;
        sum1 += dxh;
        sum2 += dxh * xh;
        accG[i]! += dyi * xh;
        accB[i]! += dyi;
      }
      const m1 = sum1 / d;
      const m2 = sum2 / d;
      for (let i = 0; i < d; i++) {
        const xh = (x![o + i]! - mu) * rs;
        dx![o + i] = rs * (dy![o + i]! * g![i]! - m1 - xh * m2);
      }
    }
    dg!.set(accG);
    db!.set(accB);
  },
};

const FUSED = [geluKernel, geluGradKernel, layerNormKernel, layerNormGradKernel];

/**
 * Registers the fused GELU and LayerNorm kernels (core's FUSED_KERNELS) for wasm and cpu
 * (idempotent). From then on core's `layerNorm` and `geluErf`, and so every stage, use them.
 */
export function registerFusedKernels(): void {
  for (const k of FUSED) registerJsKernel(k);
}

/** Removes the fused GELU and LayerNorm kernels from wasm and cpu (core composes tfjs ops again). */
export function unregisterFusedKernels(): void {
  for (const k of FUSED) unregisterJsKernel(k.name);
}

/**
 * erf GELU, 0.5 x (1 + erf(x / sqrt 2)): registers the fused kernels and runs core's `geluErf`
 * (one kernel forward and one backward on wasm and cpu; tfjs ops elsewhere).
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  registerFusedKernels();
  return geluErf(x) as T;
}

/**
 * LayerNorm over the last axis (biased variance, as torch and tf.moments): (x - mean) / sqrt(var +
 * epsilon) * gamma + beta. Registers the fused kernels and runs core's `layerNorm` (one kernel
 * forward and one backward on wasm and cpu; tfjs ops elsewhere).
 */
export function layerNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): T {
  const d = x.shape.at(-1);
  if (gamma.rank !== 1 || beta.rank !== 1 || gamma.shape[0] !== d || beta.shape[0] !== d) {
    throw new VlakitError(
      'shape',
      `layerNorm: gamma ${JSON.stringify(gamma.shape)} and beta ${JSON.stringify(beta.shape)} must both be [${d}] (the last axis of x ${JSON.stringify(x.shape)})`,
    );
  }
  registerFusedKernels();
  return coreLayerNorm(x, { gamma, beta }, epsilon) as T;
}
