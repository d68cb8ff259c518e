import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { f32, sizeOf } from './wasm-heap.js';

/** The addon's broadcasting loop (native/vlakit_elementwise.c). */
export interface BroadcastBinary {
  /** out = a op b with b repeating along a's rows (b op a when `bFirst`); op 0 add, 1 sub, 2 mul, 3 div. */
  broadcastBinary(op: number, bFirst: boolean, a: Float32Array, b: Float32Array, out: Float32Array): void;
}

/** The op codes of `broadcastBinary`, by tfjs kernel name. */
export const BROADCAST_OPS = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3 } as const;

/**
 * The broadcast operand when one of `a`, `b` repeats along the other's leading axes (its shape,
 * without leading 1s, is a suffix of the other's: a bias (D) against (R, D), a per-channel (3)
 * against an image, a scalar; equal shapes are the case of one row), else undefined.
 */
function rowBroadcast(a: TensorInfo, b: TensorInfo): { big: TensorInfo; small: TensorInfo } | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const [big, small] = sizeOf(a.shape) >= sizeOf(b.shape) ? [a, b] : [b, a];
  if (small.shape.length > big.shape.length) return undefined;
  let lead = 0;
  while (lead < small.shape.length && small.shape[lead] === 1) lead++;
  const core = small.shape.slice(lead);
  const tail = big.shape.slice(big.shape.length - core.length);
  return core.every((d, i) => d === tail[i]) ? { big, small } : undefined;
}

/**
 * Add / Sub / Multiply / RealDiv for the wasm backend: float32 operands of equal shapes, or where one
 * repeats along the other's leading axes, run the addon's row loop (the stock kernel's broadcasting
 * path costs about 10 ns per element: 8 ms per step for the ViT's image normalisation alone, and
 * its equal-shape path 1-5 ns); everything else goes to the stock kernel.
 */
export function createBroadcastBinary(
  op: keyof typeof BROADCAST_OPS,
  fallback: KernelFunc,
  native: BroadcastBinary,
): KernelFunc {
  const code = BROADCAST_OPS[op];
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const pair = rowBroadcast(a, b);
    if (pair === undefined) return fallback(args);
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput([...pair.big.shape], 'float32');
    // views only after the allocation (a growing heap detaches earlier views)
    native.broadcastBinary(
      code,
      pair.small === a,
      f32(backend, pair.big),
      f32(backend, pair.small),
      f32(backend, out),
    );
    return out;
  };
}
