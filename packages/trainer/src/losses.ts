import * as tf from '@tensorflow/tfjs';

/**
 * Action loss on normalised chunks, masked by the chunk's valid steps: the mean over valid
 * (sample, step, action) entries of (pred - target)^2 ('mse') or |pred - target| ('l1').
 */
export function maskedActionLoss(
  pred: tf.Tensor, // (B, T, A)
  target: tf.Tensor, // (B, T, A)
  mask: tf.Tensor, // (B, T)
  kind: 'mse' | 'l1' = 'mse',
): tf.Scalar {
  return tf.tidy(() => {
    const diff = tf.sub(pred, target); // (B, T, A)
    const err = kind === 'mse' ? tf.square(diff) : tf.abs(diff); // (B, T, A)
    const m = mask.expandDims(2); // (B, T, 1)
    const a = pred.shape[2]!;
    const total = tf.sum(tf.mul(err, m)); // ()
    const count = tf.maximum(tf.mul(tf.sum(mask), a), 1); // ()
    return tf.div(total, count) as tf.Scalar;
  });
}

/** Binary cross-entropy with logits, mean over the batch (numerically stable form). */
export function bceWithLogits(
  logits: tf.Tensor, // (B, 1) or (B)
  targets: tf.Tensor, // same size, 0/1
): tf.Scalar {
  return tf.tidy(() => {
    const x = logits.reshape([-1]); // (B)
    const z = targets.reshape([-1]); // (B)
    // max(x, 0) - x z + log(1 + exp(-|x|))
    const loss = tf.add(tf.sub(tf.relu(x), tf.mul(x, z)), tf.log1p(tf.exp(tf.neg(tf.abs(x))))); // (B)
    return tf.mean(loss) as tf.Scalar;
  });
}
