import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNELS, hasKernels, runKernel } from './fused-kernels.js';

/**
 * The exact (erf) GELU of BERT/ViT: 0.5 * x * (1 + erf(x / sqrt 2)). One fused kernel forward and
 * one backward when the active backend has them (FUSED_KERNELS, registered by @vlakit/backend for
 * wasm and cpu), else `geluErfComposed`. Either way it exports to ONNX as Div -> Erf -> Add -> Mul
 * -> Mul, which onnxruntime fuses into one Gelu kernel.
 */
export function geluErf(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32' || !hasKernels(FUSED_KERNELS.gelu, FUSED_KERNELS.geluGrad)) {
    return geluErfComposed(x);
  }
  const op = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, cdf] = runKernel(FUSED_KERNELS.gelu, { x: input }); // both shaped like x
    save([input, cdf!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        runKernel(FUSED_KERNELS.geluGrad, { dy, x: saved[0]!, cdf: saved[1]! })[0]!, // like x
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x);
}

/** erf GELU from tfjs ops, in the order Div -> Erf -> Add -> Mul -> Mul (fallback and test reference). */
export function geluErfComposed(x: tf.Tensor): tf.Tensor {
  const e = tf.erf(tf.div(x, Math.SQRT2)); // (...)
  return tf.mul(tf.mul(tf.add(e, 1), x), 0.5); // (...)
}

/** The activations the stage plugins offer as an option. */
export type Activation = 'gelu' | 'relu';

/** Applies `activation` (erf GELU or ReLU) elementwise. */
export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  return activation === 'gelu' ? geluErf(x) : tf.relu(x); // same shape as x
}
