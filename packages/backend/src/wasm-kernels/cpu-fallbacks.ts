import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Runs a cpu-backend kernel for the wasm backend: inputs are copied off the wasm heap into the cpu
 * backend, the cpu kernel runs, and its outputs are copied back. Plain-JS speed, but it makes the
 * kernels tfjs-wasm lacks work (UnsortedSegmentSum is the gradient of every embedding lookup,
 * Conv2DBackpropFilter of every conv weight).
 */
export function cpuFallback(cpuKernel: KernelConfig, cpu: KernelBackend): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const wasm = backend as BackendWasm;
    const moved: Record<string, TensorInfo> = {};
    const created: TensorInfo[] = [];
    try {
      for (const [name, t] of Object.entries(inputs)) {
        if (t === undefined) continue;
        const values = wasm.readSync(t.dataId);
        const info = { dataId: cpu.write(values, t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
        created.push(info);
        moved[name] = info;
      }
      const result = cpuKernel.kernelFunc({ inputs: moved, attrs: attrs ?? {}, backend: cpu });
      const outs = Array.isArray(result) ? result : [result];
      created.push(...outs);
      const back = outs.map((o) => wasm.makeOutput(o.shape, o.dtype, undefined, cpu.readSync(o.dataId)));
      return Array.isArray(result) ? back : back[0]!;
    } finally {
      for (const t of created) cpu.disposeData(t.dataId);
    }
  };
}

/**
 * Kernels of dtypes the wasm backend cannot hold (complex64, strings) or that draw to a canvas:
 * registering the cpu versions would only move the failure.
 */
const NOT_PORTABLE = new Set([
  'Complex',
  'ComplexAbs',
  'FFT',
  'IFFT',
  'Imag',
  'Real',
  'Draw',
  'StaticRegexReplace',
]);

/** cpu kernels wasm has no version of: the gaps a backward pass can fall into. */
export function missingWasmKernels(): KernelConfig[] {
  const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  return tf
    .getKernelsForBackend('cpu')
    .filter((k) => !wasm.has(k.kernelName) && !NOT_PORTABLE.has(k.kernelName));
}
