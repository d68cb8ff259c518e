import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNELS, hasKernels, runKernel } from './fused-kernels.js';

/** LayerNorm weights over the last axis: gamma and beta (D). */
export interface LayerNormWeights {
  readonly gamma: tf.Tensor;
  readonly beta: tf.Tensor;
}

/**
 * LayerNorm over the last axis with the biased variance (as torch.nn.LayerNorm). One fused kernel
 * forward and one backward when the active backend has them (FUSED_KERNELS, registered by
 * @vlakit/backend for wasm and cpu), else `layerNormComposed`.
 * `epsilon` must be copied from the source model: BERT/ViT use 1e-12, torch defaults to 1e-5.
 */
export function layerNorm(x: tf.Tensor, w: LayerNormWeights, epsilon: number): tf.Tensor {
  const d = x.shape[x.rank - 1];
  const fusable =
    x.dtype === 'float32' &&
    w.gamma.rank === 1 &&
    w.beta.rank === 1 &&
    w.gamma.shape[0] === d &&
    w.beta.shape[0] === d &&
    hasKernels(FUSED_KERNELS.layerNorm, FUSED_KERNELS.layerNormGrad);
  if (!fusable) return layerNormComposed(x, w, epsilon);
  const op = tf.customGrad(((input: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, rstd] = runKernel(FUSED_KERNELS.layerNorm, { x: input, gamma, beta }, { epsilon }); // (..., D), (R), (R)
    save([input, gamma, mean!, rstd!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, sm, sr] = saved;
        // dx (..., D), dgamma (D), dbeta (D)
        return runKernel(FUSED_KERNELS.layerNormGrad, { dy, x: sx!, gamma: sg!, mean: sm!, rstd: sr! });
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, w.gamma, w.beta);
}

/**
 * LayerNorm written with Mean / Sub / Square / Rsqrt, so it has gradients on every tfjs backend
 * (the fallback of `layerNorm`, and its reference in tests).
 */
export function layerNormComposed(x: tf.Tensor, w: LayerNormWeights, epsilon: number): tf.Tensor {
  const axis = x.rank - 1;
  const mean = tf.mean(x, axis, true); // (..., 1)
  const centred = tf.sub(x, mean); // (..., D)
  const variance = tf.mean(tf.square(centred), axis, true); // (..., 1)
  const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, epsilon))); // (..., D)
  return tf.add(tf.mul(normed, w.gamma), w.beta); // (..., D)
}
