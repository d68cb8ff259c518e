import * as tf from '@tensorflow/tfjs';

/*
 * The GRU cell of the `gru` decoder: Keras-style GRU with reset_after = true, written in plain
 * tfjs ops (matMul, add, split, sigmoid, tanh, mul, sub) so that every backend runs and
 * differentiates it and the ONNX exporter can map it to one ONNX GRU node.
 *
 * Sizes: U = hidden units, I = input width of one step.
 *
 * Weights (gate blocks always in the order z, r, h: update, reset, candidate):
 *   kernel           (I, 3U)   input kernel,     columns [W_z | W_r | W_h]
 *   recurrentKernel  (U, 3U)   recurrent kernel, columns [R_z | R_r | R_h]
 *   inputBias        (3U)      [b_Wz | b_Wr | b_Wh]
 *   recurrentBias    (3U)      [b_Rz | b_Rr | b_Rh]
 *
 * One step, x_t (B, I), h_{t-1} (B, U):
 *   [xz | xr | xh] = x_t W + b_W                     (B, 3U)  (the input projection)
 *   [hz | hr | hh] = h_{t-1} R + b_R                 (B, 3U)
 *   z   = sigmoid(xz + hz)                           (B, U)
 *   r   = sigmoid(xr + hr)                           (B, U)
 *   n   = tanh(xh + r * hh)                          (B, U)   reset applied AFTER the recurrent matmul
 *   h_t = z * h_{t-1} + (1 - z) * n                  (B, U)
 * Activations are the logistic sigmoid and tanh (not Keras' old hard sigmoid).
 *
 * The input projection does not depend on h, so `gruSequence` takes it for all steps at once
 * (one matmul instead of T, the cuDNN formulation); `gruInputProjection` computes it.
 *
 * ONNX (opset 17) GRU with linear_before_reset = 1, direction 'forward', layout 0, computes
 * exactly this with
 *   X         = the step inputs x_1..x_T           (T, B, I)
 *   W         = transpose(kernel)[None]           (1, 3U, I)   (ONNX gate order z, r, h: the same)
 *   R         = transpose(recurrentKernel)[None]  (1, 3U, U)
 *   B         = concat(inputBias, recurrentBias)[None]  (1, 6U)
 *   initial_h = h_0[None]                         (1, B, U)
 *   Y (T, 1, B, U) = the hidden states h_1..h_T.
 * (Keras stores the two biases as one (2, 3U) variable: row 0 = inputBias, row 1 = recurrentBias.)
 */

export interface GruWeights {
  /** (I, 3U), gate columns z, r, h. */
  readonly kernel: tf.Tensor;
  /** (U, 3U), gate columns z, r, h. */
  readonly recurrentKernel: tf.Tensor;
  /** (3U). */
  readonly inputBias: tf.Tensor;
  /** (3U). */
  readonly recurrentBias: tf.Tensor;
}

/** The input side of every gate: x (..., I) -> x W + b_W (..., 3U). */
export function gruInputProjection(x: tf.Tensor, kernel: tf.Tensor, inputBias: tf.Tensor): tf.Tensor {
  const width = x.shape[x.shape.length - 1]!;
  const flat = tf.reshape(x, [-1, width]); // (M, I)
  const projected = tf.add(tf.matMul(flat, kernel), inputBias); // (M, 3U)
  return tf.reshape(projected, [...x.shape.slice(0, -1), kernel.shape[1]!]); // (..., 3U)
}

/**
 * One GRU step from its input projection: xProjected (B or 1, 3U), h (B, U) -> h' (B, U).
 * A first dimension of 1 in `xProjected` broadcasts over the batch.
 */
export function gruStep(xProjected: tf.Tensor, h: tf.Tensor, w: GruWeights): tf.Tensor {
  const hProjected = tf.add(tf.matMul(h, w.recurrentKernel), w.recurrentBias); // (B, 3U)
  const [xz, xr, xh] = tf.split(xProjected, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor]; // (B|1, U) x 3
  const [hz, hr, hh] = tf.split(hProjected, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor]; // (B, U) x 3
  const z = tf.sigmoid(tf.add(xz, hz)); // (B, U)
  const r = tf.sigmoid(tf.add(xr, hr)); // (B, U)
  const n = tf.tanh(tf.add(xh, tf.mul(r, hh))); // (B, U)
  return tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), n)); // (B, U)
}

/**
 * Runs `steps` GRU steps from h0 (B, U). `xProjected` (B or 1, T or 1, 3U) is the input
 * projection of every step; a size-1 time axis means the same input at every step.
 * Returns the hidden states (B, T, U).
 */
export function gruSequence(xProjected: tf.Tensor, h0: tf.Tensor, w: GruWeights, steps: number): tf.Tensor {
  // (unstack of a size-1 axis has a broken gradient in tfjs 4.22: reshape that case instead)
  const perStep =
    xProjected.shape[1] === 1
      ? [tf.reshape(xProjected, [-1, xProjected.shape[2]!])] // 1 x (B|1, 3U)
      : tf.unstack(xProjected, 1); // T x (B|1, 3U)
  const states: tf.Tensor[] = [];
  let h = h0; // (B, U)
  for (let t = 0; t < steps; t++) {
    h = gruStep(perStep[Math.min(t, perStep.length - 1)]!, h, w); // (B, U)
    states.push(h);
  }
  return tf.stack(states, 1); // (B, T, U)
}
