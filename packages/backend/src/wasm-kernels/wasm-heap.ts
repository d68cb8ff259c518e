import type { DataType, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The parts of the wasm backend's private bookkeeping our kernels use. */
interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
  refCount: number;
}

interface WasmInternals {
  dataIdMap: {
    get(dataId: object): WasmTensorData;
    set(dataId: object, d: WasmTensorData): void;
    delete(dataId: object): void;
  };
  wasm: {
    HEAPU8: Uint8Array;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
  };
  dataIdNextNumber: number;
}

export function internals(backend: BackendWasm): WasmInternals {
  return backend as unknown as WasmInternals;
}

/** Byte offset of a tensor's data on the wasm heap. */
export function heapOffset(backend: BackendWasm, t: TensorInfo): number {
  return internals(backend).dataIdMap.get(t.dataId).memoryOffset;
}

/** The wasm-side id of a tensor (what the C++ kernels take). */
export function wasmId(backend: BackendWasm, t: TensorInfo): number {
  return internals(backend).dataIdMap.get(t.dataId).id;
}

/**
 * A float32 view of a tensor's data on the heap. Take it after every allocation: growing the heap
 * detaches earlier views.
 */
export function f32(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/**
 * A tensor that aliases `size(shape)` floats of existing heap memory at `byteOffset` (no copy, no
 * allocation). Release it with {@link releaseView}, never with `disposeData` (that would free
 * memory it does not own).
 */
export function makeView(
  backend: BackendWasm,
  byteOffset: number,
  shape: number[],
  dtype: DataType = 'float32',
): TensorInfo {
  const b = internals(backend);
  const id = b.dataIdNextNumber++;
  const dataId = { id };
  let size = 1;
  for (const d of shape) size *= d;
  b.dataIdMap.set(dataId, { id, memoryOffset: byteOffset, shape, dtype, refCount: 1 });
  b.wasm.tfjs.registerTensor(id, size, byteOffset);
  return { dataId, shape, dtype };
}

export function releaseView(backend: BackendWasm, view: TensorInfo): void {
  const b = internals(backend);
  const data = b.dataIdMap.get(view.dataId);
  b.wasm.tfjs.disposeData(data.id);
  b.dataIdMap.delete(view.dataId);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
