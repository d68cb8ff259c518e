import type * as tf from '@tensorflow/tfjs';
import { layerNorm as coreLayerNorm, FUSED_KERNELS, geluErf, hasKernels, VlakitError } from '@vlakit/core';
import { adamwLoop } from './adamw.js';
import { attentionGradLoop, attentionLoop } from './attention.js';
import { denseGradLoop, denseLoop } from './dense.js';
import { erf } from './erf.js';
import { expNeg } from './exp-neg.js';
import { type JsKernel, registerJsKernel, unregisterJsKernel } from './js-kernel.js';
import type { NativeFused } from './native-fused.js';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** erf GELU: y, and Phi(x) = 0.5 (1 + erf(x / sqrt 2)) for the gradient. */
function geluLoop(x: Float32Array, y: Float32Array, cdf: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const c = 0.5 + 0.5 * erf(v * Math.SQRT1_2);
    cdf[i] = c;
    y[i] = v * c;
  }
}

/** dx = dy (Phi(x) + x phi(x)), Phi saved by the forward kernel. */
function geluGradLoop(dy: Float32Array, x: Float32Array, cdf: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    dx[i] = dy[i]! * (cdf[i]! + v * expNeg(0.5 * v * v) * INV_SQRT_2PI);
  }
}

/** LayerNorm over the last axis (gamma's length d): y, and per row the mean and 1/sqrt(var + eps). */
function layerNormLoop(
  x: Float32Array,
  g: Float32Array,
  b: Float32Array,
  y: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  eps: number,
): void {
  const d = g.length;
  const rows = x.length / d;
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let s = 0;
    for (let i = 0; i < d; i++) s += x[o + i]!;
    const mu = s / d;
    let q = 0;
    for (let i = 0; i < d; i++) {
      const c = x[o + i]! - mu;
      q += c * c;
    }
    const rs = 1 / Math.sqrt(q / d + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let i = 0; i < d; i++) y[o + i] = (x[o + i]! - mu) * rs * g[i]! + b[i]!;
  }
}

/** dx, dgamma, dbeta of `layerNormLoop` (dgamma and dbeta overwritten). */
function layerNormGradLoop(
  dy: Float32Array,
  x: Float32Array,
  g: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  dx: Float32Array,
  dg: Float32Array,
  db: Float32Array,
): void {
  const d = g.length;
  const rows = x.length / d;
  const accG = new Float64Array(d);
  const accB = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    const mu = mean[r]!;
    const rs = rstd[r]!;
    let sum1 = 0; // sum of dy*g
    let sum2 = 0; // sum of dy*g*xhat
    for (let i = 0; i < d; i++) {
      const xh = (x[o + i]! - mu) * rs;
      const dyi = dy[o + i]!;
      const dxh = dyi * g[i]!;
      sum1 += dxh;
      sum2 += dxh * xh;
      accG[i]! += dyi * xh;
      accB[i]! += dyi;
    }
    const m1 = sum1 / d;
    const m2 = sum2 / d;
    for (let i = 0; i < d; i++) {
      const xh = (x[o + i]! - mu) * rs;
      dx[o + i] = rs * (dy[o + i]! * g[i]! - m1 - xh * m2);
    }
  }
  dg.set(accG);
  db.set(accB);
}

/** The JavaScript loops, the reference of the C ones (native/vlakit_fused.c). */
export const JS_FUSED_LOOPS: NativeFused = {
  gelu: geluLoop,
  geluGrad: geluGradLoop,
  layerNorm: layerNormLoop,
  layerNormGrad: layerNormGradLoop,
  adamw: adamwLoop,
  dense: denseLoop,
  denseGrad: denseGradLoop,
  attention: attentionLoop,
  attentionGrad: attentionGradLoop,
};

/** The four kernels (core's FUSED_KERNELS contracts) running `loops`. */
function fusedKernels(loops: NativeFused): JsKernel[] {
  return [
    {
      name: FUSED_KERNELS.gelu,
      inputs: ['x'],
      outputShapes: ([x]) => [x!, x!],
      run: ([x], [y, cdf]) => loops.gelu(x!, y!, cdf!),
    },
    {
      name: FUSED_KERNELS.geluGrad,
      inputs: ['dy', 'x', 'cdf'],
      outputShapes: ([dy]) => [dy!],
      run: ([dy, x, cdf], [dx]) => loops.geluGrad(dy!, x!, cdf!, dx!),
    },
    {
      name: FUSED_KERNELS.layerNorm,
      inputs: ['x', 'gamma', 'beta'],
      outputShapes: ([x]) => [
        x!,
        [x!.slice(0, -1).reduce((a, b) => a * b, 1)],
        [x!.slice(0, -1).reduce((a, b) => a * b, 1)],
      ],
      run: ([x, g, b], [y, mean, rstd], _shapes, attrs) =>
        loops.layerNorm(x!, g!, b!, y!, mean!, rstd!, attrs.epsilon as number),
    },
    {
      name: FUSED_KERNELS.layerNormGrad,
      inputs: ['dy', 'x', 'gamma', 'mean', 'rstd'],
      outputShapes: ([, x, g]) => [x!, g!, g!],
      run: ([dy, x, g, mean, rstd], [dx, dg, db]) =>
        loops.layerNormGrad(dy!, x!, g!, mean!, rstd!, dx!, dg!, db!),
    },
  ];
}

const NAMES = [
  FUSED_KERNELS.gelu,
  FUSED_KERNELS.geluGrad,
  FUSED_KERNELS.layerNorm,
  FUSED_KERNELS.layerNormGrad,
];

/**
 * Registers the fused GELU and LayerNorm kernels (core's FUSED_KERNELS) for wasm and cpu, with the
 * C loops of the OpenBLAS addon when `native` is given, else JavaScript loops (replacing earlier
 * registrations, so the latest call's choice holds). From then on core's `layerNorm` and
 * `geluErf`, and so every stage, use them.
 */
export function registerFusedKernels(options: { native?: NativeFused | undefined } = {}): void {
  unregisterFusedKernels();
  for (const k of fusedKernels(options.native ?? JS_FUSED_LOOPS)) registerJsKernel(k);
}

/** Registers the JavaScript fused kernels unless some are registered (what `gelu`/`layerNorm` need). */
function ensureFusedKernels(): void {
  if (!hasKernels(...NAMES)) registerFusedKernels();
}

/** Removes the fused GELU and LayerNorm kernels from wasm and cpu (core composes tfjs ops again). */
export function unregisterFusedKernels(): void {
  for (const name of NAMES) unregisterJsKernel(name);
}

/**
 * erf GELU, 0.5 x (1 + erf(x / sqrt 2)): registers the fused kernels and runs core's `geluErf`
 * (one kernel forward and one backward on wasm and cpu; tfjs ops elsewhere).
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  ensureFusedKernels();
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
  ensureFusedKernels();
  return coreLayerNorm(x, { gamma, beta }, epsilon) as T;
}
