import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';

/** A float32 kernel written once as a loop over flat arrays, registered for wasm and cpu. */
export interface JsKernel {
  name: string;
  /**
   * Input names, in the order `run` receives them. An input the caller did not give reaches `run`
   * as an empty array with shape [] (optional inputs).
   */
  inputs: readonly string[];
  /** Output shapes from the input shapes. */
  outputShapes(shapes: number[][], attrs: NamedAttrMap): number[][];
  /** Fills `outputs` (fresh, zeroed on cpu, uninitialised on wasm) from `inputs`. */
  run(inputs: Float32Array[], outputs: Float32Array[], shapes: number[][], attrs: NamedAttrMap): void;
}

type HeapBackend = KernelBackend & {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
};

const EMPTY = new Float32Array(0);

function wasmKernel(k: JsKernel): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const b = backend as HeapBackend;
    const ins = k.inputs.map((n) => inputs[n] as TensorInfo | undefined);
    const shapes = ins.map((t) => (t === undefined ? [] : [...t.shape]));
    const outs = k.outputShapes(shapes, attrs ?? {}).map((s) => b.makeOutput(s, 'float32'));
    // views only after every allocation (a growing heap detaches earlier views)
    k.run(
      ins.map((t) => (t === undefined ? EMPTY : b.typedArrayFromHeap(t))),
      outs.map((t) => b.typedArrayFromHeap(t)),
      shapes,
      attrs ?? {},
    );
    return outs;
  };
}

function cpuKernel(k: JsKernel): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const b = backend as KernelBackend;
    const ins = k.inputs.map((n) => inputs[n] as TensorInfo | undefined);
    const shapes = ins.map((t) => (t === undefined ? [] : [...t.shape]));
    const outShapes = k.outputShapes(shapes, attrs ?? {});
    const outs = outShapes.map((s) => new Float32Array(s.reduce((x, y) => x * y, 1)));
    k.run(
      ins.map((t) => (t === undefined ? EMPTY : (b.readSync(t.dataId) as Float32Array))),
      outs,
      shapes,
      attrs ?? {},
    );
    return outs.map((values, i) => ({
      dataId: b.write(values, outShapes[i]!, 'float32'),
      shape: outShapes[i]!,
      dtype: 'float32' as const,
    }));
  };
}

/** Registers `k` for wasm and cpu unless already there. */
export function registerJsKernel(k: JsKernel): void {
  if (tf.getKernel(k.name, 'wasm') === undefined) {
    tf.registerKernel({ kernelName: k.name, backendName: 'wasm', kernelFunc: wasmKernel(k) });
  }
  if (tf.getKernel(k.name, 'cpu') === undefined) {
    tf.registerKernel({ kernelName: k.name, backendName: 'cpu', kernelFunc: cpuKernel(k) });
  }
}

/** Removes the kernel `name` from wasm and cpu where registered (callers compose tfjs ops again). */
export function unregisterJsKernel(name: string): void {
  for (const backend of ['wasm', 'cpu']) {
    if (tf.getKernel(name, backend) !== undefined) tf.unregisterKernel(name, backend);
  }
}

/** Whether `shape` is exactly `want` (for kernels' shape checks; undefined: an input not given). */
export function sameShape(shape: readonly number[] | undefined, want: readonly number[]): boolean {
  return shape !== undefined && shape.length === want.length && shape.every((d, i) => d === want[i]);
}
