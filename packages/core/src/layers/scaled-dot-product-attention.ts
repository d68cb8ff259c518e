import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNELS, hasKernels, runKernel } from './fused-kernels.js';

/** Large negative logit added where the key mask is 0 (exp underflows to exactly 0). */
export const MASKED_LOGIT = -1e9;

export interface ScaledDotProductOptions {
  /** (B, Lk) float, 1 = attend, 0 = ignore. */
  readonly keyMask?: tf.Tensor | undefined;
  /**
   * Multiply the probabilities by the key mask after the softmax, so a query whose keys are all
   * masked attends to nothing (instead of spreading evenly over padding). Default false.
   */
  readonly zeroMasked?: boolean;
}

export interface ScaledDotProductResult {
  /** The heads' outputs merged back: (B, Lq, D). */
  readonly context: tf.Tensor;
  /** Attention probabilities (B, H, Lq, Lk). */
  readonly probabilities: tf.Tensor;
}

/**
 * softmax(q_h k_h^T / sqrt(dh) + mask bias) v_h over `heads` heads of width dh = D / heads, from
 * projected queries `q` (B, Lq, D), keys `k` and values `v` (B, Lk, D). One fused kernel forward
 * and one backward when the active backend has them (FUSED_KERNELS.attention, registered by
 * @vlakit/backend), else `scaledDotProductAttentionComposed`.
 */
export function scaledDotProductAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  heads: number,
  options: ScaledDotProductOptions = {},
): ScaledDotProductResult {
  const fusable =
    q.dtype === 'float32' &&
    k.dtype === 'float32' &&
    v.dtype === 'float32' &&
    (options.keyMask === undefined || options.keyMask.dtype === 'float32') &&
    hasKernels(FUSED_KERNELS.attention, FUSED_KERNELS.attentionGrad);
  if (!fusable) return scaledDotProductAttentionComposed(q, k, v, heads, options);
  registerAttentionGradient();
  const inputs: Record<string, tf.Tensor> = { q, k, v };
  if (options.keyMask !== undefined) inputs['mask'] = options.keyMask;
  const [context, probabilities] = runKernel(FUSED_KERNELS.attention, inputs, {
    heads,
    zeroMasked: options.zeroMasked === true,
  }); // (B, Lq, D), (B, H, Lq, Lk)
  return { context: context!, probabilities: probabilities! };
}

/**
 * The same attention from tfjs ops (the fallback of `scaledDotProductAttention`, and its reference
 * in tests): heads split with Reshape + Transpose, batched MatMuls over (B, H), no Einsum.
 */
export function scaledDotProductAttentionComposed(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  heads: number,
  options: ScaledDotProductOptions = {},
): ScaledDotProductResult {
  const [, lq, d] = q.shape as [number, number, number];
  const lk = k.shape[1]!;
  const dh = d / heads;
  // -1 for the batch keeps its size out of the Reshape attributes (dynamic ONNX batch)
  const qh = q.reshape([-1, lq, heads, dh]).transpose([0, 2, 1, 3]); // (B, H, Lq, dh)
  const kh = k.reshape([-1, lk, heads, dh]).transpose([0, 2, 3, 1]); // (B, H, dh, Lk)
  const vh = v.reshape([-1, lk, heads, dh]).transpose([0, 2, 1, 3]); // (B, H, Lk, dh)
  let logits = tf.mul(tf.matMul(qh, kh), 1 / Math.sqrt(dh)); // (B, H, Lq, Lk)
  let maskRows: tf.Tensor | undefined;
  if (options.keyMask !== undefined) {
    maskRows = options.keyMask.reshape([-1, 1, 1, lk]); // (B, 1, 1, Lk)
    logits = tf.add(logits, tf.mul(tf.sub(1, maskRows), MASKED_LOGIT)); // (B, H, Lq, Lk)
  }
  let probabilities = tf.softmax(logits); // (B, H, Lq, Lk), rows sum to 1
  if (maskRows !== undefined && options.zeroMasked === true) probabilities = tf.mul(probabilities, maskRows); // (B, H, Lq, Lk)
  const mixed = tf.matMul(probabilities, vh); // (B, H, Lq, dh)
  const context = mixed.transpose([0, 2, 1, 3]).reshape([-1, lq, d]); // (B, Lq, D)
  return { context, probabilities };
}

/**
 * The gradient of FUSED_KERNELS.attention, registered with tfjs once (gradients are global, not
 * per backend): the engine saves q, k, v and the probabilities and passes dy for both outputs.
 */
function registerAttentionGradient(): void {
  if (tf.getGradient(FUSED_KERNELS.attention) !== undefined) return;
  tf.registerGradient({
    kernelName: FUSED_KERNELS.attention,
    inputsToSave: ['q', 'k', 'v'],
    outputsToSave: [false, true],
    gradFunc: (dy, saved, attrs) => {
      const [dContext, dProbabilities] = dy as tf.Tensor[]; // (B, Lq, D), (B, H, Lq, Lk)
      const [q, k, v, probabilities] = saved;
      const heads = (attrs as { heads: number }).heads;
      // computed here, not inside the per-input closures: the engine runs each closure in its own
      // tidy, which would dispose the other two outputs
      const [dq, dk, dv] = runKernel(
        FUSED_KERNELS.attentionGrad,
        { dy: dContext!, dprobs: dProbabilities!, q: q!, k: k!, v: v!, probs: probabilities! },
        { heads },
      ); // like q, k, v
      const [b, , , lk] = probabilities!.shape;
      // the key mask is data, never trained: its gradient is zero (asked for only if it is on a path)
      return { q: () => dq!, k: () => dk!, v: () => dv!, mask: () => tf.zeros([b!, lk!]) };
    },
  });
}
