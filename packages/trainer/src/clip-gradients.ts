import * as tf from '@tensorflow/tfjs';

/**
 * Global L2 norm of a set of gradients and, when `maxNorm` > 0 and the norm exceeds it, the
 * gradients scaled by maxNorm / norm. Returns new tensors (the caller disposes) and the norm.
 */
export function clipByGlobalNorm(
  grads: ReadonlyMap<string, tf.Tensor>,
  maxNorm: number,
): { grads: Map<string, tf.Tensor>; norm: tf.Scalar } {
  const names = [...grads.keys()];
  const [norm, ...clipped] = tf.tidy(() => {
    const list = names.map((k) => grads.get(k)!);
    const squares = list.map((g) => tf.sum(tf.square(g)));
    const n = (squares.length ? tf.sqrt(tf.addN(squares)) : tf.scalar(0)) as tf.Scalar; // ()
    if (maxNorm <= 0) return [n, ...list.map((g) => tf.clone(g))];
    const scale = tf.div(maxNorm, tf.maximum(n, maxNorm)); // () = min(1, maxNorm / norm)
    return [n, ...list.map((g) => tf.mul(g, scale))];
  });
  return { grads: new Map(names.map((k, i) => [k, clipped[i]!])), norm: norm as tf.Scalar };
}
