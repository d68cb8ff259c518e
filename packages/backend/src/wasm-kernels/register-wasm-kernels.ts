import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import type { NativeBlas } from '../native-blas.js';
import { createBatchMatMul } from './batch-mat-mul.js';
import { BROADCAST_OPS, type BroadcastBinary, createBroadcastBinary } from './binary.js';
import { cpuFallback, missingWasmKernels } from './cpu-fallbacks.js';
import { createGather } from './gather.js';
import { createCast, createIdentity } from './identity.js';
import { createSlice, createSplitV, createUnpack } from './slice.js';
import { createSum } from './sum.js';
import { createTranspose, type NativeTranspose } from './transpose.js';
import { createUnsortedSegmentSum } from './unsorted-segment-sum.js';

export interface WasmKernelOptions {
  /** Route BatchMatMul through OpenBLAS (the native addon) instead of XNNPACK. */
  native?: NativeBlas | undefined;
  /** Also register cpu kernels for the kernels wasm lacks (default true). */
  fallbacks?: boolean;
}

export interface RegisteredKernels {
  /** Faster replacements of stock wasm kernels. */
  overrides: string[];
  /** cpu kernels registered for wasm because wasm has none. */
  fallbacks: string[];
}

const originals = new Map<string, KernelConfig>();
let registered: RegisteredKernels | undefined;

function stock(name: string): KernelFunc {
  const saved = originals.get(name) ?? tf.getKernel(name, 'wasm');
  if (saved === undefined) throw new Error(`tfjs-backend-wasm has no ${name} kernel to wrap`);
  originals.set(name, saved);
  return saved.kernelFunc;
}

function replace(name: string, kernelFunc: KernelFunc): void {
  if (tf.getKernel(name, 'wasm') !== undefined) tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc });
}

/**
 * Registers our wasm kernels. Call after the wasm backend is initialised (the stock kernels'
 * setup must have run). Idempotent; calling again with other options re-registers.
 */
export function registerWasmKernels(options: WasmKernelOptions = {}): RegisteredKernels {
  const slice = stock(tf.Slice);
  const matMul = createBatchMatMul({
    fallback: stock(tf.BatchMatMul),
    transpose: stock(tf.Transpose),
    native: options.native,
  });
  const overrides: Array<[string, KernelFunc]> = [
    [tf.BatchMatMul, matMul],
    [tf.Slice, createSlice(slice)],
    [tf.SplitV, createSplitV(slice)],
    [tf.Unpack, createUnpack(slice)],
    [tf.Sum, createSum(stock(tf.Sum), matMul)],
    [tf.Identity, createIdentity(stock(tf.Identity))],
    [tf.Cast, createCast(stock(tf.Cast))],
    [tf.GatherV2, createGather(stock(tf.GatherV2))],
  ];
  // the addon's elementwise loops (an addon built before them lacks the functions)
  const loops = options.native as (NativeBlas & Partial<BroadcastBinary & NativeTranspose>) | undefined;
  if (typeof loops?.broadcastBinary === 'function' && typeof loops.transpose === 'function') {
    for (const op of Object.keys(BROADCAST_OPS) as Array<keyof typeof BROADCAST_OPS>)
      overrides.push([op, createBroadcastBinary(op, stock(op), loops as BroadcastBinary)]);
    overrides.push([tf.Transpose, createTranspose(stock(tf.Transpose), loops as NativeTranspose)]);
  } else {
    for (const op of [...Object.keys(BROADCAST_OPS), tf.Transpose])
      if (originals.has(op)) replace(op, originals.get(op)!.kernelFunc);
  }
  const cpu = tf.engine().findBackend('cpu');
  if (cpu === null) throw new Error('the tfjs cpu backend is not registered (import @tensorflow/tfjs)');
  const cpuSegmentSum = tf.getKernel(tf.UnsortedSegmentSum, 'cpu');
  if (cpuSegmentSum !== undefined) {
    overrides.push([tf.UnsortedSegmentSum, createUnsortedSegmentSum(cpuFallback(cpuSegmentSum, cpu))]);
  }
  for (const [name, fn] of overrides) replace(name, fn);
  const fallbacks: string[] = [];
  if (options.fallbacks !== false) {
    for (const k of missingWasmKernels()) {
      tf.registerKernel({ kernelName: k.kernelName, backendName: 'wasm', kernelFunc: cpuFallback(k, cpu) });
      fallbacks.push(k.kernelName);
    }
  }
  registered = {
    overrides: overrides.map(([n]) => (n === tf.BatchMatMul && options.native ? `${n}(openblas)` : n)),
    fallbacks: [...(registered?.fallbacks ?? []), ...fallbacks].sort(),
  };
  return registered;
}

/** Puts the stock wasm kernels back and removes the fallbacks (for tests and comparisons). */
export function unregisterWasmKernels(): void {
  for (const [name, config] of originals) replace(name, config.kernelFunc);
  if (tf.getKernel(tf.UnsortedSegmentSum, 'wasm') !== undefined)
    tf.unregisterKernel(tf.UnsortedSegmentSum, 'wasm');
  for (const name of registered?.fallbacks ?? []) tf.unregisterKernel(name, 'wasm');
  registered = undefined;
}
