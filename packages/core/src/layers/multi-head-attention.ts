import * as tf from '@tensorflow/tfjs';
import { type DenseWeights, dense } from './dense.js';

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

/** Large negative logit added where the key mask is 0 (exp underflows to exactly 0). */
export const MASKED_LOGIT = -1e9;

/**
 * Scaled dot-product multi-head attention (as in BERT/ViT): queries from `query` (B, Lq, D),
 * keys and values from `context` (B, Lk, D) (the same tensor for self-attention); `keyMask`
 * (B, Lk) float, 1 = attend, 0 = ignore. Batched MatMuls over (B, H); no Einsum.
 */
export function multiHeadAttention(
  query: tf.Tensor,
  context: tf.Tensor,
  w: AttentionWeights,
  heads: number,
  keyMask?: tf.Tensor,
): AttentionResult {
  const [b, lq, d] = query.shape as [number, number, number];
  const lk = context.shape[1]!;
  const dh = d / heads;
  const q = dense(query, w.query).reshape([b, lq, heads, dh]).transpose([0, 2, 1, 3]); // (B, H, Lq, dh)
  const k = dense(context, w.key).reshape([b, lk, heads, dh]).transpose([0, 2, 3, 1]); // (B, H, dh, Lk)
  const v = dense(context, w.value).reshape([b, lk, heads, dh]).transpose([0, 2, 1, 3]); // (B, H, Lk, dh)
  let logits = tf.mul(tf.matMul(q, k), 1 / Math.sqrt(dh)); // (B, H, Lq, Lk)
  if (keyMask !== undefined) {
    const bias = tf.mul(tf.sub(1, keyMask), MASKED_LOGIT).reshape([b, 1, 1, lk]); // (B, 1, 1, Lk)
    logits = tf.add(logits, bias); // (B, H, Lq, Lk)
  }
  const probabilities = tf.softmax(logits); // (B, H, Lq, Lk)
  const mixed = tf.matMul(probabilities, v); // (B, H, Lq, dh)
  const merged = mixed.transpose([0, 2, 1, 3]).reshape([b, lq, d]); // (B, Lq, D)
  return { output: dense(merged, w.output), probabilities }; // (B, Lq, D), (B, H, Lq, Lk)
}
