import * as tf from '@tensorflow/tfjs';

export type Activation = 'gelu' | 'relu';

/** GELU, exact (erf) form, in the op order ONNX runtimes fuse: 0.5 * x * (1 + erf(x / sqrt 2)). */
export function gelu(x: tf.Tensor): tf.Tensor {
  const e = tf.erf(tf.div(x, Math.SQRT2)); // same shape as x
  return tf.mul(tf.mul(x, tf.add(e, 1)), 0.5); // same shape as x
}

export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  return activation === 'gelu' ? gelu(x) : tf.relu(x); // same shape as x
}
