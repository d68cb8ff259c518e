import type * as tf from '@tensorflow/tfjs';
import { type DenseWeights, dense } from './dense.js';
import { scaledDotProductAttention } from './scaled-dot-product-attention.js';

/** Projections of a multi-head attention layer, each (D, D) + bias (D). */
export interface AttentionWeights {
  readonly query: DenseWeights;
  readonly key: DenseWeights;
  readonly value: DenseWeights;
  readonly output: DenseWeights;
}

export interface AttentionResult {
  /** (B, Lq, D) */
  readonly output: tf.Tensor;
  /** Attention probabilities (B, H, Lq, Lk). */
  readonly probabilities: tf.Tensor;
}

/**
 * Scaled dot-product multi-head attention (as in BERT/ViT): queries from `query` (B, Lq, D),
 * keys and values from `context` (B, Lk, D) (the same tensor for self-attention); `keyMask`
 * (B, Lk) float, 1 = attend, 0 = ignore (masked keys get the logit bias MASKED_LOGIT). The
 * heads run in one fused kernel when the backend has it (`scaledDotProductAttention`).
 */
export function multiHeadAttention(
  query: tf.Tensor,
  context: tf.Tensor,
  w: AttentionWeights,
  heads: number,
  keyMask?: tf.Tensor,
): AttentionResult {
  const q = dense(query, w.query); // (B, Lq, D)
  const k = dense(context, w.key); // (B, Lk, D)
  const v = dense(context, w.value); // (B, Lk, D)
  const attention = scaledDotProductAttention(q, k, v, heads, { keyMask }); // (B, Lq, D), (B, H, Lq, Lk)
  return { output: dense(attention.context, w.output), probabilities: attention.probabilities }; // (B, Lq, D)
}
