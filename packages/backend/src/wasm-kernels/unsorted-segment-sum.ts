import { type KernelFunc, type TensorInfo, type UnsortedSegmentSumAttrs, util } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { f32 } from './wasm-heap.js';

/**
 * UnsortedSegmentSum for the wasm backend (stock tfjs-wasm has none; it is the gradient of every
 * `gather`, i.e. of every embedding lookup). One pass over the rows: out[ids[i]] += x[i]. The cpu
 * backend's version builds one mask per segment (O(segments x data)): 22 s for a 1000-row table.
 * Ids outside [0, numSegments) are dropped, as in TensorFlow. Non-float32 data uses `fallback`.
 */
export function createUnsortedSegmentSum(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const x = args.inputs.x as TensorInfo;
    const ids = args.inputs.segmentIds as TensorInfo;
    const { numSegments } = args.attrs as unknown as UnsortedSegmentSumAttrs;
    if (x.dtype !== 'float32' || ids.dtype !== 'int32') return fallback(args);
    const idRank = ids.shape.length;
    const rows = util.sizeFromShape(ids.shape);
    const inner = util.sizeFromShape(x.shape.slice(idRank));
    const outShape = [numSegments, ...x.shape.slice(idRank)];
    const out = backend.makeOutput(outShape, 'float32'); // (segments, ...inner)
    const acc = new Float64Array(numSegments * inner); // double accumulation like the cpu backend
    const xs = f32(backend, x); // (rows, inner)
    const is = backend.typedArrayFromHeap(ids) as Int32Array; // (rows)
    for (let r = 0; r < rows; r++) {
      const s = is[r]!;
      if (s < 0 || s >= numSegments) continue;
      const src = r * inner;
      const dst = s * inner;
      for (let c = 0; c < inner; c++) acc[dst + c]! += xs[src + c]!;
    }
    f32(backend, out).set(acc);
    return out;
  };
}
