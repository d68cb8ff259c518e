import * as tf from '@tensorflow/tfjs';

/** A linear layer's weights: kernel (In, Out) and optional bias (Out). */
export interface DenseWeights {
  readonly kernel: tf.Tensor;
  readonly bias?: tf.Tensor;
}

/**
 * y = x W + b over the last axis of `x` (..., In) -> (..., Out), as one 2-D MatMul on the
 * flattened leading axes (fast on every backend, and a plain MatMul + Add in ONNX).
 */
export function dense(x: tf.Tensor, w: DenseWeights): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1]!;
  const outDim = w.kernel.shape[1]!;
  const lead = x.shape.slice(0, -1);
  const flat = tf.matMul(x.reshape([-1, inDim]), w.kernel); // (M, Out), M = prod(lead)
  const biased = w.bias ? tf.add(flat, w.bias) : flat; // (M, Out)
  // -1 for the leading (batch) axis keeps the batch size out of the Reshape attribute
  return lead.length === 0 ? biased.reshape([outDim]) : biased.reshape([-1, ...lead.slice(1), outDim]); // (..., Out)
}
