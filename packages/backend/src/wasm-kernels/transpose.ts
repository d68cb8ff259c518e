import type { KernelFunc, TensorInfo, TransposeAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { f32 } from './wasm-heap.js';

/** The addon's transpose (native/vlakit_elementwise.c). */
export interface NativeTranspose {
  /** y = x permuted by `perm`; `shape` is x's shape (rank 1 to 8). */
  transpose(x: Float32Array, y: Float32Array, shape: Int32Array, perm: Int32Array): void;
}

/**
 * Transpose for the wasm backend: float32 tensors up to rank 8 go to the addon, which copies the
 * trailing axes that keep their place as contiguous runs. The stock kernel costs about 7-14 ns per
 * element on the ViT's rank-6 patchify (3-6 ms per default-pipeline step); everything else (other
 * dtypes) goes to it.
 */
export function createTranspose(fallback: KernelFunc, native: NativeTranspose): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const { perm } = args.attrs as unknown as TransposeAttrs;
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || rank === 0 || rank > 8) return fallback(args);
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput(
      perm.map((p) => x.shape[p]!),
      'float32',
    );
    // views only after the allocation (a growing heap detaches earlier views)
    native.transpose(f32(backend, x), f32(backend, out), Int32Array.from(x.shape), Int32Array.from(perm));
    return out;
  };
}
