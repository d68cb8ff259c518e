import * as tf from '@tensorflow/tfjs';

/*
 * The building blocks of the fusion, in plain tfjs ops that every backend (cpu, wasm) runs
 * and differentiates, and that map one-to-one to ONNX ops (MatMul, Add, ReduceMean, Sqrt, Div,
 * Erf, Relu).
 */

/** Token-wise dense layer: x (B, L, Din) -> (B, L, Dout), one 2-D matmul over all tokens. */
export function denseTokens(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const [, length, width] = x.shape as [number, number, number];
  const out = kernel.shape[1]!;
  const flat = tf.reshape(x, [-1, width]); // (B*L, Din)
  return tf.reshape(tf.add(tf.matMul(flat, kernel), bias), [-1, length, out]); // (B, L, Dout)
}

/** LayerNorm over the last axis with an explicit epsilon: x (B, L, D) -> (B, L, D). */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const mean = tf.mean(x, -1, true); // (B, L, 1)
  const centred = tf.sub(x, mean); // (B, L, D)
  const variance = tf.mean(tf.square(centred), -1, true); // (B, L, 1)
  const normed = tf.div(centred, tf.sqrt(tf.add(variance, epsilon))); // (B, L, D)
  return tf.add(tf.mul(normed, gamma), beta); // (B, L, D)
}

/** GELU, exact (erf) form, in the op order ONNX runtimes fuse: 0.5 * x * (1 + erf(x / sqrt 2)). */
export function gelu(x: tf.Tensor): tf.Tensor {
  const e = tf.erf(tf.div(x, Math.SQRT2)); // same shape as x
  return tf.mul(tf.mul(x, tf.add(e, 1)), 0.5); // same shape as x
}

export function activate(x: tf.Tensor, activation: 'gelu' | 'relu'): tf.Tensor {
  return activation === 'gelu' ? gelu(x) : tf.relu(x); // same shape as x
}
