import * as tf from '@tensorflow/tfjs';

/**
 * The exact (erf) GELU of BERT/ViT: 0.5 * x * (1 + erf(x / sqrt 2)). Written in the order
 * Div -> Erf -> Add -> Mul -> Mul, which onnxruntime fuses into one Gelu kernel after export.
 */
export function geluErf(x: tf.Tensor): tf.Tensor {
  const e = tf.erf(tf.div(x, Math.SQRT2)); // (...)
  return tf.mul(tf.mul(tf.add(e, 1), x), 0.5); // (...)
}

/** The activations the stage plugins offer as an option. */
export type Activation = 'gelu' | 'relu';

/** Applies `activation` (erf GELU or ReLU) elementwise. */
export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  return activation === 'gelu' ? geluErf(x) : tf.relu(x); // same shape as x
}
