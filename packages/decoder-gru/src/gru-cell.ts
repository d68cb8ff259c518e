import * as tf from '@tensorflow/tfjs';
import { canFuseGruSequence, gruSequenceFused } from './gru-sequence-fused.js';

/*
 * The GRU cell of the `gru` decoder: Keras-style GRU with reset_after = true, written in plain
 * tfjs ops (matMul, add, sigmoid, tanh, mul, sub) that every backend runs and differentiates.
 *
 * Sizes: U = hidden units, I = input width of one step, B = batch, T = steps.
 * Gates, always in this order: z (update), r (reset), h (candidate).
 *
 * Weights, one set per gate g in (z, r, h), and the decoder's variables that hold them:
 *   W_g   (I, U)  input kernel      gru/<g>/queryKernel (E, U) rows on top of gru/<g>/fusedKernel (D, U)
 *   b_Wg  (U)     input bias        gru/<g>/inputBias
 *   R_g   (U, U)  recurrent kernel  gru/<g>/recurrentKernel
 *   b_Rg  (U)     recurrent bias    gru/<g>/recurrentBias
 *
 * One step, x_t (B, I), h_{t-1} (B, U):
 *   xz = x_t W_z + b_Wz    xr = x_t W_r + b_Wr    xh = x_t W_h + b_Wh     (B, U) each: the input projection
 *   z   = sigmoid(xz + h_{t-1} R_z + b_Rz)                                 (B, U)
 *   r   = sigmoid(xr + h_{t-1} R_r + b_Rr)                                 (B, U)
 *   n   = tanh(xh + r * (h_{t-1} R_h + b_Rh))                              (B, U)  reset AFTER the matmul
 *   h_t = z * h_{t-1} + (1 - z) * n                                        (B, U)
 * Activations are the logistic sigmoid and tanh (not Keras' old hard sigmoid).
 *
 * Keras stores the same weights concatenated along the gate axis: kernel = [W_z | W_r | W_h]
 * (I, 3U), recurrent_kernel = [R_z | R_r | R_h] (U, 3U), bias = [[b_W], [b_R]] (2, 3U).
 * ONNX (opset 17) GRU with linear_before_reset = 1, direction 'forward', layout 0 computes
 * exactly this with (see `gruOnnxWeights` in gru-decoder.ts, which builds them):
 *   X         = the step inputs x_1..x_T                         (T, B, I)
 *   W         = [W_z^T; W_r^T; W_h^T][None]                      (1, 3U, I)
 *   R         = [R_z^T; R_r^T; R_h^T][None]                      (1, 3U, U)
 *   B         = [b_Wz, b_Wr, b_Wh, b_Rz, b_Rr, b_Rh][None]       (1, 6U)
 *   initial_h = h_0[None]                                        (1, B, U)
 *   Y         = h_1..h_T                                         (T, 1, B, U)
 *
 * Layout for speed on the JS backends: one matmul per gate (no column slicing of a (., 3U)
 * result, which is an element-by-element copy on tfjs-cpu), and time-major (T, B, U) tensors so
 * that taking one step's slice is a contiguous copy. The input projection does not depend on
 * h and is computed for all steps before the loop (the cuDNN formulation).
 */

export const GATES = ['z', 'r', 'h'] as const;
export type Gate = (typeof GATES)[number];

/** One tensor per gate. */
export type PerGate<T = tf.Tensor> = Readonly<Record<Gate, T>>;

/** The recurrent half of the weights: R_g (U, U) and b_Rg (U) per gate. */
export interface GruRecurrentWeights {
  readonly recurrentKernel: PerGate;
  readonly recurrentBias: PerGate;
}

/**
 * One GRU step. `xProjected` holds x_t W_g + b_Wg per gate, (B, U) or (1, U) (a row shared by
 * the batch); h (B, U) -> h_t (B, U).
 */
export function gruStep(xProjected: PerGate, h: tf.Tensor, w: GruRecurrentWeights): tf.Tensor {
  const recurrent = (g: Gate) => tf.add(tf.matMul(h, w.recurrentKernel[g]), w.recurrentBias[g]); // (B, U)
  const z = tf.sigmoid(tf.add(xProjected.z, recurrent('z'))); // (B, U)
  const r = tf.sigmoid(tf.add(xProjected.r, recurrent('r'))); // (B, U)
  const n = tf.tanh(tf.add(xProjected.h, tf.mul(r, recurrent('h')))); // (B, U)
  return tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), n)); // (B, U)
}

/**
 * Runs `steps` GRU steps from h0 (B, U). `xProjected` holds the input projection of every step
 * per gate, time-major: (T, B, U), or with size-1 axes that broadcast ((1, B, U): the same input
 * at every step; (T, 1, U): the same input for every sample). Returns h_1..h_T as (T, B, U).
 * One fused kernel forward and one backward when the active backend has them (core's
 * FUSED_KERNELS.gruSequence, registered by @vlakit/backend for wasm and cpu), else
 * `gruSequenceComposed`.
 */
export function gruSequence(
  xProjected: PerGate,
  h0: tf.Tensor,
  w: GruRecurrentWeights,
  steps: number,
): tf.Tensor {
  if (canFuseGruSequence(xProjected, h0, w, steps)) return gruSequenceFused(xProjected, h0, w, steps); // (T, B, U)
  return gruSequenceComposed(xProjected, h0, w, steps);
}

/** `gruSequence` as `steps` unrolled `gruStep`s of plain tfjs ops (every backend; the reference in tests). */
export function gruSequenceComposed(
  xProjected: PerGate,
  h0: tf.Tensor,
  w: GruRecurrentWeights,
  steps: number,
): tf.Tensor {
  const perStep = (t: tf.Tensor): tf.Tensor[] =>
    t.shape[0] === 1
      ? [tf.reshape(t, [-1, t.shape[2]!])] // 1 x (B|1, U) (unstack of a size-1 axis has no working gradient in tfjs 4.22)
      : tf.unstack(t, 0); // T x (B|1, U), contiguous slices
  const inputs = { z: perStep(xProjected.z), r: perStep(xProjected.r), h: perStep(xProjected.h) };
  const at = (list: tf.Tensor[], t: number) => list[Math.min(t, list.length - 1)]!;
  const states: tf.Tensor[] = [];
  let h = h0; // (B, U)
  for (let t = 0; t < steps; t++) {
    h = gruStep({ z: at(inputs.z, t), r: at(inputs.r, t), h: at(inputs.h, t) }, h, w); // (B, U)
    states.push(h);
  }
  return tf.stack(states, 0); // (T, B, U)
}
