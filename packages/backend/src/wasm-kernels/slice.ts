import {
  backend_util,
  type KernelFunc,
  type SliceAttrs,
  type SplitVAttrs,
  slice_util,
  type TensorInfo,
  type UnpackAttrs,
  util,
} from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { internals } from './wasm-heap.js';

/**
 * Slice for the wasm backend that copies only the slice. The stock kernel reads the whole input
 * out of the heap (a full copy) for every slice, so unstacking a (128, 64, 64) tensor copied it 128
 * times. Here contiguous runs are copied heap to heap with `copyWithin`.
 */
export function sliceWasm(
  x: TensorInfo,
  begin: number[],
  size: number[],
  backend: BackendWasm,
  fallback: KernelFunc,
): TensorInfo {
  if (x.dtype === 'string') {
    return fallback({ inputs: { x }, attrs: { begin, size }, backend }) as TensorInfo;
  }
  const [b, s] = slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
  const out = backend.makeOutput(s, x.dtype);
  const total = util.sizeFromShape(s);
  if (total === 0) return out;
  const bytes = util.bytesPerElement(x.dtype);
  const heap = internals(backend).wasm.HEAPU8; // after makeOutput: the heap may have grown
  const xOff = internals(backend).dataIdMap.get(x.dataId).memoryOffset;
  const outOff = internals(backend).dataIdMap.get(out.dataId).memoryOffset;
  const rank = x.shape.length;
  // Merge the trailing dims that are taken whole into one contiguous run.
  let inner = rank - 1;
  let run = s[inner] ?? 1;
  while (inner > 0 && s[inner] === x.shape[inner]) {
    inner--;
    run *= s[inner]!;
  }
  const strides = util.computeStrides(x.shape); // element strides of x
  if (rank === 0 || inner === 0) {
    const start = rank === 0 ? 0 : b[0]! * (strides[0] ?? 1);
    heap.copyWithin(outOff, xOff + start * bytes, xOff + (start + total) * bytes);
    return out;
  }
  // Odometer over the dims before `inner` (exclusive), copying `run` elements each time.
  const idx = new Array<number>(inner).fill(0);
  const runBytes = run * bytes;
  let dst = outOff;
  for (let done = 0; done < total; done += run) {
    let src = b[inner]! * (strides[inner] ?? 1);
    for (let d = 0; d < inner; d++) src += (b[d]! + idx[d]!) * strides[d]!;
    heap.copyWithin(dst, xOff + src * bytes, xOff + src * bytes + runBytes);
    dst += runBytes;
    for (let d = inner - 1; d >= 0; d--) {
      if (++idx[d]! < s[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

export function createSlice(fallback: KernelFunc): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { begin, size } = attrs as unknown as SliceAttrs;
    return sliceWasm(
      inputs.x as TensorInfo,
      begin as number[],
      size as number[],
      backend as BackendWasm,
      fallback,
    );
  };
}

export function createSplitV(sliceFallback: KernelFunc): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    const { numOrSizeSplits, axis } = attrs as unknown as SplitVAttrs;
    const ax = util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[ax] = s;
      const part = sliceWasm(x, begin, size, backend as BackendWasm, sliceFallback);
      begin[ax]! += s;
      return part;
    });
  };
}

export function createUnpack(sliceFallback: KernelFunc): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const value = inputs.value as TensorInfo;
    const rank = value.shape.length;
    let { axis } = attrs as unknown as UnpackAttrs;
    if (axis < 0) axis += rank;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(rank).fill(0);
    const size = [...value.shape];
    size[axis] = 1;
    const outs: TensorInfo[] = [];
    for (let i = 0; i < value.shape[axis]!; i++) {
      begin[axis] = i;
      const part = sliceWasm(value, begin, size, backend as BackendWasm, sliceFallback);
      outs.push({ dataId: part.dataId, dtype: part.dtype, shape: outShape });
    }
    return outs;
  };
}
