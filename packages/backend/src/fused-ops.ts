import * as tf from '@tensorflow/tfjs';
import { VlakitError } from '@vlakit/core';
import { erf } from './erf.js';
import { hasKernel, type JsKernel, registerJsKernel } from './js-kernel.js';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const geluKernel: JsKernel = {
  name: 'VlakitGelu',
  inputs: ['x'],
  outputShapes: ([x]) => [x!],
  run([x], [y]) {
    for (let i = 0; i < x!.length; i++) {
      const v = x![i]!;
      y![i] = 0.5 * v * (1 + erf(v * Math.SQRT1_2));
    }
  },
};
const geluGradKernel: JsKernel = {
  name: 'VlakitGeluGrad',
  inputs: ['dy', 'x'],
  outputShapes: ([dy]) => [dy!],
  run([dy, x], [dx]) {
    for (let i = 0; i < x!.length; i++) {
      const v = x![i]!;
      dx![i] = dy![i]! * (0.5 * (1 + erf(v * Math.SQRT1_2)) + v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI);
    }
  },
};

/** LayerNorm over the last axis: y, and per row the mean and 1/sqrt(var + eps) for the gradient. */
const layerNormKernel: JsKernel = {
  name: 'VlakitLayerNorm',
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
  name: 'VlakitLayerNormGrad',
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

let registered = false;
/** Registers the fused GELU and LayerNorm kernels for wasm and cpu (idempotent). */
export function registerFusedKernels(): void {
  if (registered) return;
  for (const k of [geluKernel, geluGradKernel, layerNormKernel, layerNormGradKernel]) registerJsKernel(k);
  registered = true;
}

/** Runs one of our kernels; always returns the list of outputs. */
function run(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown> = {},
): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs as never, attrs as never) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

/** Largest tensor the fused GELU kernel takes on wasm. */
export const GELU_FUSED_MAX = 8192;

/** erf GELU, 0.5 x (1 + erf(x / sqrt 2)): one kernel forward and one backward on wasm and cpu. */
export function gelu<T extends tf.Tensor>(x: T): T {
  registerFusedKernels();
  // Past a few thousand elements the stock wasm Erf (C++) beats erf in JS by more than the saved
  // op overhead (measured on the bench's transformer block), so large tensors compose tfjs ops.
  if (
    x.dtype !== 'float32' ||
    !hasKernel('VlakitGelu') ||
    (tf.getBackend() === 'wasm' && x.size > GELU_FUSED_MAX)
  ) {
    return tf.tidy(() => x.mul(0.5).mul(tf.erf(x.mul(Math.SQRT1_2)).add(1))) as T;
  }
  const op = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    save([input]);
    return {
      value: run('VlakitGelu', { x: input })[0]!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => run('VlakitGeluGrad', { dy, x: saved[0]! })[0]!,
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as T;
}

/**
 * LayerNorm over the last axis (biased variance, as torch and tf.moments): (x - mean) / sqrt(var +
 * epsilon) * gamma + beta. One kernel forward and one backward on wasm and cpu; tfjs ops elsewhere.
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
  if (x.dtype !== 'float32' || !hasKernel('VlakitLayerNorm')) {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      return x
        .sub(mean)
        .mul(tf.rsqrt(variance.add(epsilon)))
        .mul(gamma)
        .add(beta);
    }) as T;
  }
  const op = tf.customGrad(((input: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, rstd] = run('VlakitLayerNorm', { x: input, gamma: g, beta: b }, { epsilon });
    save([input, g, mean!, rstd!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, sm, sr] = saved;
        return run('VlakitLayerNormGrad', { dy, x: sx!, gamma: sg!, mean: sm!, rstd: sr! });
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, gamma, beta) as T;
}
