import { type GatherV2Attrs, type KernelFunc, type TensorInfo, util } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { internals } from './wasm-heap.js';

/**
 * GatherV2 for the wasm backend (batchDims 0, numeric dtypes): each gathered slice is one
 * heap-to-heap `copyWithin`. The stock kernel computes every element's address separately, 3 ms
 * for an embedding lookup of 512 ids into a (140, 64) table. Indices out of range are an error
 * naming the index, as in the stock kernel.
 */
export function createGather(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const x = args.inputs.x as TensorInfo;
    const indices = args.inputs.indices as TensorInfo;
    const { axis, batchDims } = args.attrs as unknown as GatherV2Attrs;
    if ((batchDims ?? 0) !== 0 || x.dtype === 'string' || indices.dtype !== 'int32') return fallback(args);
    const ax = util.parseAxisParam(axis, x.shape)[0]!;
    const outer = util.sizeFromShape(x.shape.slice(0, ax));
    const dim = x.shape[ax]!;
    const slice = util.sizeFromShape(x.shape.slice(ax + 1));
    const n = util.sizeFromShape(indices.shape);
    const ids = backend.typedArrayFromHeap(indices) as Int32Array;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      if (id < 0 || id >= dim) throw new Error(`GatherV2: the index value ${id} is not in [0, ${dim - 1}]`);
    }
    const outShape = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)];
    const out = backend.makeOutput(outShape, x.dtype);
    if (outer * n * slice === 0) return out;
    const b = internals(backend);
    const heap = b.wasm.HEAPU8; // after makeOutput
    const idsNow = backend.typedArrayFromHeap(indices) as Int32Array;
    const bytes = util.bytesPerElement(x.dtype);
    const xOff = b.dataIdMap.get(x.dataId).memoryOffset;
    let dst = b.dataIdMap.get(out.dataId).memoryOffset;
    const run = slice * bytes;
    for (let o = 0; o < outer; o++) {
      const base = xOff + o * dim * run;
      for (let i = 0; i < n; i++) {
        const src = base + idsNow[i]! * run;
        heap.copyWithin(dst, src, src + run);
        dst += run;
      }
    }
    return out;
  };
}
