import * as tf from '@tensorflow/tfjs';
import { loadNativeBlas } from './native-blas.js';
import { type NativeFused, nativeFused } from './native-fused.js';

/** The addon's C loops when it is built here, else undefined (tests of the C path then skip). */
export function testNative(): NativeFused | undefined {
  const status = loadNativeBlas();
  return nativeFused(status.loaded ? status.blas : undefined);
}

/** Deterministic values sin(1.7 i + seed) * amp, in [-amp, amp]. */
export function values(shape: readonly number[], seed: number, amp = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + seed) * amp),
    [...shape],
  );
}

/** Largest |a - b| / (1 + |b|) over all arrays: absolute for small values, relative for sums. */
export function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((row, i) => {
    if (row.length !== b[i]!.length) throw new Error(`array ${i}: length ${row.length} vs ${b[i]!.length}`);
    for (let j = 0; j < row.length; j++)
      worst = Math.max(worst, Math.abs(row[j]! - b[i]![j]!) / (1 + Math.abs(b[i]![j]!)));
  });
  return worst;
}

/** Runs `f` while recording the name of every kernel the engine runs (to prove which path ran). */
export function recordKernels<T>(f: () => T): { result: T; calls: string[] } {
  const calls: string[] = [];
  const engine = tf.engine();
  const run = engine.runKernel.bind(engine);
  engine.runKernel = ((name: string, ...rest: unknown[]) => {
    calls.push(name);
    return (run as (...a: unknown[]) => unknown)(name, ...rest);
  }) as typeof run;
  try {
    return { result: f(), calls };
  } finally {
    engine.runKernel = run;
  }
}
