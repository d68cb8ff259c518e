import type { BatchMatMulAttrs, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeBlas } from '../native-blas.js';
import { f32, heapOffset, internals, makeView, releaseView, sizeOf, wasmId } from './wasm-heap.js';

type RawBatchMatMul = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: boolean,
  transposeB: boolean,
  outId: number,
) => void;

const raw = new WeakMap<BackendWasm, RawBatchMatMul>();

/** The wasm module's own BatchMatMul entry point (XNNPACK when untransposed and batch 1). */
function rawBatchMatMul(backend: BackendWasm): RawBatchMatMul {
  let fn = raw.get(backend);
  if (fn === undefined) {
    const args = ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number'];
    fn = internals(backend).wasm.cwrap('BatchMatMul', null, args) as unknown as RawBatchMatMul;
    raw.set(backend, fn);
  }
  return fn;
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

export interface BatchMatMulOptions {
  /** The stock wasm kernel, used for what this one does not handle (non-float32, general broadcasts). */
  fallback: KernelFunc;
  /** The stock wasm Transpose kernel (C++), used to make operands physically untransposed. */
  transpose: KernelFunc;
  /** When present, every float32 product runs as OpenBLAS sgemm on views of the wasm heap. */
  native?: NativeBlas | undefined;
}

/**
 * BatchMatMul for the wasm backend that always reaches a fast path. Stock tfjs-wasm sends a product
 * to XNNPACK only when neither operand is transposed and the batch is 1; every gradient product and
 * every attention product ran a scalar loop instead. Here transposed operands are transposed
 * physically (C++ kernel) and a batch runs as one XNNPACK call per item on heap views (no copies);
 * a batch against a shared right operand folds into one call. With the native addon, sgemm reads the
 * heap directly with its own transposes and strides.
 */
export function createBatchMatMul(options: BatchMatMulOptions): KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { a, b } = args.inputs as NamedTensorInfoMap & { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const aRank = a.shape.length;
    const bRank = b.shape.length;
    const k = transposeA ? a.shape[aRank - 2]! : a.shape[aRank - 1]!;
    const kB = transposeB ? b.shape[bRank - 1]! : b.shape[bRank - 2]!;
    const m = transposeA ? a.shape[aRank - 1]! : a.shape[aRank - 2]!;
    const n = transposeB ? b.shape[bRank - 2]! : b.shape[bRank - 1]!;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = sizeOf(outerA);
    const batchB = sizeOf(outerB);
    // one operand's batch repeats, or both batches match (a batch of 1 whatever its rank: (1, K) and
    // (1, K, N) multiply as one product; tfjs's matMul op reshapes to rank 3, direct calls may not)
    const simpleBroadcast =
      batchA === batchB ? batchA === 1 || sameDims(outerA, outerB) : batchA === 1 || batchB === 1;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || k !== kB || !simpleBroadcast || m * n * k === 0) {
      return options.fallback(args);
    }
    // the broadcast batch axes: the larger batch's, or the longer list when both are 1
    const outer =
      batchA !== batchB
        ? batchA > batchB
          ? outerA
          : outerB
        : outerA.length >= outerB.length
          ? outerA
          : outerB;
    const batch = Math.max(batchA, batchB);
    const outShape = [...outer, m, n];

    const native = options.native;
    if (native !== undefined) {
      const out = backend.makeOutput([batch, m, n], 'float32');
      const heap = internals(backend).wasm.HEAPU8.buffer as ArrayBuffer;
      native.sgemmBatched(
        heap,
        heapOffset(backend, a),
        heapOffset(backend, b),
        heapOffset(backend, out),
        batch,
        m,
        n,
        k,
        transposeA,
        transposeB,
        batchA === 1 ? 0 : m * k,
        batchB === 1 ? 0 : k * n,
      );
      out.shape = outShape;
      return out;
    }

    const temps: TensorInfo[] = [];
    let a3 = a;
    let b3 = b;
    if (transposeA) {
      a3 = options.transpose({
        inputs: { x: { ...a, shape: [batchA, k, m] } },
        backend,
        attrs: { perm: [0, 2, 1] },
      }) as TensorInfo; // (batchA, M, K)
      temps.push(a3);
    }
    if (transposeB) {
      b3 = options.transpose({
        inputs: { x: { ...b, shape: [batchB, n, k] } },
        backend,
        attrs: { perm: [0, 2, 1] },
      }) as TensorInfo; // (batchB, K, N)
      temps.push(b3);
    }
    const out = backend.makeOutput([batch, m, n], 'float32'); // (batch, M, N)
    const call = rawBatchMatMul(backend);
    const aOff = heapOffset(backend, a3);
    const bOff = heapOffset(backend, b3);
    const outOff = heapOffset(backend, out);
    const views: TensorInfo[] = [];
    const run = (aAt: number, rows: number, bAt: number, outAt: number) => {
      const av = makeView(backend, aAt, [1, rows, k]); // (1, rows, K)
      const bv = makeView(backend, bAt, [1, k, n]); // (1, K, N)
      const ov = makeView(backend, outAt, [1, rows, n]); // (1, rows, N)
      views.push(av, bv, ov);
      call(
        wasmId(backend, av),
        shapeBytes(av.shape),
        3,
        wasmId(backend, bv),
        shapeBytes(bv.shape),
        3,
        false,
        false,
        wasmId(backend, ov),
      );
    };
    try {
      if (batchB === 1) {
        if (batchA === 1) {
          run(aOff, m, bOff, outOff);
        } else {
          run(aOff, batch * m, bOff, outOff); // (batch*M, K) x (K, N): one call
        }
      } else {
        for (let i = 0; i < batch; i++) {
          const aAt = aOff + (batchA === 1 ? 0 : i * m * k * 4);
          run(aAt, m, bOff + i * k * n * 4, outOff + i * m * n * 4);
        }
      }
    } finally {
      for (const v of views) releaseView(backend, v);
      for (const t of temps) backend.disposeData(t.dataId);
    }
    out.shape = outShape;
    return out;
  };
}

function sameDims(x: number[], y: number[]): boolean {
  return x.length === y.length && x.every((d, i) => d === y[i]);
}

/** Exposed for tests: reads a float32 tensor's values straight off the heap. */
export function readHeap(backend: BackendWasm, t: TensorInfo): Float32Array {
  return f32(backend, t).slice();
}
