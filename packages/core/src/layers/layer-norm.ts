import * as tf from '@tensorflow/tfjs';

/** LayerNorm weights over the last axis: gamma and beta (D). */
export interface LayerNormWeights {
  readonly gamma: tf.Tensor;
  readonly beta: tf.Tensor;
}

/**
 * LayerNorm over the last axis with the biased variance (as torch.nn.LayerNorm), written
 * with Mean / Sub / Square / Rsqrt so it has gradients on every tfjs backend.
 * `epsilon` must be copied from the source model: BERT/ViT use 1e-12, torch defaults to 1e-5.
 */
export function layerNorm(x: tf.Tensor, w: LayerNormWeights, epsilon: number): tf.Tensor {
  const axis = x.rank - 1;
  const mean = tf.mean(x, axis, true); // (..., 1)
  const centred = tf.sub(x, mean); // (..., D)
  const variance = tf.mean(tf.square(centred), axis, true); // (..., 1)
  const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, epsilon))); // (..., D)
  return tf.add(tf.mul(normed, w.gamma), w.beta); // (..., D)
}
