import type { CastAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Identity (and Cast to the same dtype) for the wasm backend without a copy: the output shares the
 * input's data with one more reference, as the cpu backend does. tfjs kernels never write into an
 * input and a variable's `assign` swaps its data rather than writing it, so sharing is safe. The
 * stock kernels copy the whole tensor; a training step calls them hundreds of times (gradient
 * bookkeeping, `clone`, same-dtype casts).
 */
export function createIdentity(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    if (x.dtype === 'string') return fallback(args);
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

export function createCast(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const { dtype } = args.attrs as unknown as CastAttrs;
    if (dtype !== x.dtype || x.dtype === 'string') return fallback(args);
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}
