import * as tf from '@tensorflow/tfjs';

/**
 * Names of the fused kernels core's layers call when the active tfjs backend has them registered
 * (@vlakit/backend registers them for wasm and cpu); without them the layers compose plain tfjs ops.
 * Contracts (float32, last axis D, R = product of the leading axes):
 * - VlakitLayerNorm: inputs x (..., D), gamma (D), beta (D); attr epsilon. Outputs y (..., D),
 *   mean (R) and rstd = 1 / sqrt(biased var + epsilon) (R).
 * - VlakitLayerNormGrad: inputs dy, x, gamma, mean, rstd. Outputs dx (..., D), dgamma (D), dbeta (D).
 * - VlakitGelu: input x. Outputs y = x Phi(x) and Phi(x) = 0.5 (1 + erf(x / sqrt 2)), shaped like x.
 * - VlakitGeluGrad: inputs dy, x, cdf (the forward's Phi(x)). Output dy * GELU'(x).
 * - VlakitAdamW: inputs param, grad, m, v; attrs lr, beta1, beta2, epsilon, weightDecay, step (1-based).
 *   Outputs the new param, m and v of one torch.optim.AdamW step (weightDecay 0: Adam).
 * - VlakitGruSequence: T steps of the Keras reset_after GRU (@vlakit/decoder-gru's gru-cell.ts), gates
 *   z, r, h. Inputs xz, xr, xh (the input projections x_t W_g + b_Wg, one shape (Tx, Bx, U) with
 *   Tx in {1, T} and Bx in {1, B}: size-1 axes broadcast), h0 (B, U), rz, rr, rh (U, U), bz, br,
 *   bh (U); attr steps (T). Outputs states h_1..h_T (T, B, U) and cache (T, 4, B, U) holding z, r,
 *   n and h_{t-1} R_h + b_Rh of every step for the gradient.
 * - VlakitGruSequenceGrad: inputs dy (T, B, U), h0, states, cache, rz, rr, rh; attrs inputSteps
 *   (Tx), inputBatch (Bx). Outputs dxz, dxr, dxh (Tx, Bx, U), dh0 (B, U), drz, drr, drh (U, U),
 *   dbz, dbr, dbh (U): backpropagation through time.
 * - VlakitAttention: scaled dot-product attention over H heads of width dh = D / H, heads split
 *   and merged inside. Inputs q (B, Lq, D), k (B, Lk, D), v (B, Lk, D) and optionally mask (B, Lk)
 *   (1 = attend, 0 = ignore); attrs heads (H), zeroMasked (bool). Logits are
 *   q_h k_h^T / sqrt(dh) + (mask - 1) * 1e9 (exactly what the composed ops compute), P = softmax
 *   over Lk, times the mask again when zeroMasked (a query with no valid key then attends to
 *   nothing). Outputs context P v_h merged (B, Lq, D) and probabilities P (B, H, Lq, Lk).
 * - VlakitAttentionGrad: inputs dy (B, Lq, D), dprobs (B, H, Lq, Lk), q, k, v and the forward's
 *   probabilities; attr heads. Outputs dq, dk, dv (shaped like q, k, v).
 * - VlakitDense: inputs x (..., In), kernel (In, Out) and optionally bias (Out). Output
 *   y = x kernel + bias (..., Out).
 * - VlakitDenseGrad: inputs dy (..., Out), x, kernel. Outputs dx (..., In), dkernel (In, Out) and
 *   dbias (Out) (the column sums of dy).
 * ONNX export maps VlakitDense to MatMul (+ Add), VlakitLayerNorm to LayerNormalization, VlakitGelu to Div/Erf/Add/Mul/Mul,
 * VlakitGruSequence to the unrolled steps (MatMul/Add/Sigmoid/Tanh/Mul/Sub per step) and
 * VlakitAttention to Reshape/Transpose/MatMul/Mul/(mask Sub/Mul/Add)/Softmax/(Mul)/MatMul.
 */
export const FUSED_KERNELS = {
  layerNorm: 'VlakitLayerNorm',
  layerNormGrad: 'VlakitLayerNormGrad',
  gelu: 'VlakitGelu',
  geluGrad: 'VlakitGeluGrad',
  adamw: 'VlakitAdamW',
  gruSequence: 'VlakitGruSequence',
  gruSequenceGrad: 'VlakitGruSequenceGrad',
  attention: 'VlakitAttention',
  attentionGrad: 'VlakitAttentionGrad',
  dense: 'VlakitDense',
  denseGrad: 'VlakitDenseGrad',
} as const;

/** True when the active backend has every kernel in `names`. */
export function hasKernels(...names: string[]): boolean {
  const backend = tf.getBackend();
  return names.every((n) => tf.getKernel(n, backend) !== undefined);
}

/** Runs a kernel by name; always returns the list of its outputs. */
export function runKernel(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown> = {},
): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs as never, attrs as never) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}
