import { type KernelFunc, type SumAttrs, type TensorInfo, util } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { f32 } from './wasm-heap.js';

/**
 * Sum for the wasm backend with a fast path for float32 sums over a contiguous block of axes that
 * leaves the last axis: leading axes (bias gradients, broadcast reductions) and middle axes (e.g.
 * the batch axis of a (T, B, U) gradient). The stock kernel transposes the input so the axes come
 * last and then reduces, about 8 ms per million floats. Here x is viewed as (outer, reduced, inner)
 * and summed by `sumMiddle`. Everything else goes to the stock kernel.
 */
export function createSum(fallback: KernelFunc, matMul?: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const x = args.inputs.x as TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const contiguous = axes.length > 0 && axes.every((a, i) => a === axes[0]! + i);
    if (x.dtype !== 'float32' || !contiguous || axes.at(-1)! === x.shape.length - 1) return fallback(args);
    return sumMiddle(backend, x, axes, keepDims, matMul);
  };
}

/**
 * Sum over a contiguous block of axes before the last: x as (outer, reduced, inner) -> (outer,
 * inner), as a product with a row of ones, (1, reduced) x (outer, reduced, inner), through our
 * BatchMatMul (XNNPACK, or OpenBLAS sgemm on both cores) when large, else one pass with float64
 * row accumulators (double accumulation like the cpu backend).
 */
function sumMiddle(
  backend: BackendWasm,
  x: TensorInfo,
  axes: number[],
  keepDims: boolean,
  matMul: KernelFunc | undefined,
): TensorInfo {
  const first = axes[0]!;
  const last = axes.at(-1)!;
  const outer = util.sizeFromShape(x.shape.slice(0, first));
  const reduced = util.sizeFromShape(x.shape.slice(first, last + 1));
  const inner = util.sizeFromShape(x.shape.slice(last + 1));
  const outShape = keepDims
    ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d))
    : x.shape.filter((_, i) => i < first || i > last);
  if (matMul !== undefined && reduced >= 8 && reduced * inner >= 4096) {
    // (1, reduced) x (outer, reduced, inner): one batched product against a shared row of ones
    const ones = backend.makeOutput([1, reduced], 'float32'); // (1, reduced)
    f32(backend, ones).fill(1);
    try {
      const out = matMul({
        inputs: { a: ones, b: { ...x, shape: [outer, reduced, inner] } },
        backend,
        attrs: { transposeA: false, transposeB: false },
      }) as TensorInfo; // (outer, 1, inner)
      return { ...out, shape: outShape };
    } finally {
      backend.disposeData(ones.dataId);
    }
  }
  const out = backend.makeOutput(outShape, 'float32');
  const xs = f32(backend, x); // (outer, reduced, inner), views after the allocation
  const ys = f32(backend, out); // (outer, inner)
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let r = 0; r < reduced; r++) {
      const base = (o * reduced + r) * inner;
      for (let i = 0; i < inner; i++) acc[i]! += xs[base + i]!;
    }
    ys.set(acc, o * inner);
  }
  return out;
}
