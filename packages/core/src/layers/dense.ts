import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNELS, hasKernels, runKernel } from './fused-kernels.js';

/** A linear layer's weights: kernel (In, Out) and optional bias (Out). */
export interface DenseWeights {
  readonly kernel: tf.Tensor;
  readonly bias?: tf.Tensor;
}

/**
 * y = x W + b over the last axis of `x` (..., In) -> (..., Out). One fused kernel forward and one
 * backward when the active backend has them (FUSED_KERNELS.dense, registered by @vlakit/backend),
 * else `denseComposed`.
 */
export function dense(x: tf.Tensor, w: DenseWeights): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1];
  const outDim = w.kernel.shape[1];
  const fusable =
    x.dtype === 'float32' &&
    w.kernel.dtype === 'float32' &&
    w.kernel.rank === 2 &&
    w.kernel.shape[0] === inDim &&
    (w.bias === undefined ||
      (w.bias.dtype === 'float32' && w.bias.rank === 1 && w.bias.shape[0] === outDim)) &&
    hasKernels(FUSED_KERNELS.dense, FUSED_KERNELS.denseGrad);
  if (!fusable) return denseComposed(x, w);
  registerDenseGradient();
  const inputs: Record<string, tf.Tensor> = { x, kernel: w.kernel };
  if (w.bias !== undefined) inputs['bias'] = w.bias;
  return runKernel(FUSED_KERNELS.dense, inputs)[0]!; // (..., Out)
}

/**
 * The same layer from tfjs ops, as one 2-D MatMul on the flattened leading axes (fast on every
 * backend, and a plain MatMul + Add in ONNX): the fallback of `dense` and its reference in tests.
 */
export function denseComposed(x: tf.Tensor, w: DenseWeights): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1]!;
  const outDim = w.kernel.shape[1]!;
  const lead = x.shape.slice(0, -1);
  const flat = tf.matMul(x.reshape([-1, inDim]), w.kernel); // (M, Out), M = prod(lead)
  const biased = w.bias ? tf.add(flat, w.bias) : flat; // (M, Out)
  // -1 for the leading (batch) axis keeps the batch size out of the Reshape attribute
  return lead.length === 0 ? biased.reshape([outDim]) : biased.reshape([-1, ...lead.slice(1), outDim]); // (..., Out)
}

/**
 * The gradient of FUSED_KERNELS.dense, registered with tfjs once (gradients are global, not per
 * backend): the engine saves x and the kernel; one gradient kernel gives dx, dkernel and dbias.
 */
function registerDenseGradient(): void {
  if (tf.getGradient(FUSED_KERNELS.dense) !== undefined) return;
  tf.registerGradient({
    kernelName: FUSED_KERNELS.dense,
    inputsToSave: ['x', 'kernel'],
    gradFunc: (dy, saved) => {
      const [x, kernel] = saved;
      // computed here, not inside the per-input closures: the engine runs each closure in its own
      // tidy, which would dispose the other outputs
      const [dx, dkernel, dbias] = runKernel(FUSED_KERNELS.denseGrad, {
        dy: dy as tf.Tensor,
        x: x!,
        kernel: kernel!,
      }); // (..., In), (In, Out), (Out)
      return { x: () => dx!, kernel: () => dkernel!, bias: () => dbias! };
    },
  });
}
