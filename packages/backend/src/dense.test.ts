import * as tf from '@tensorflow/tfjs';
import { dense, denseComposed, FUSED_KERNELS } from '@vlakit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { denseGradLoop, denseLoop, registerDenseKernels, unregisterDenseKernels } from './dense.js';
import { initBackend } from './init-backend.js';
import { maxDiff, recordKernels, testNative, values } from './test-kernels.js';

const native = testNative();

/** y and the gradients of sum(y * w) with respect to x, the kernel and (when given) the bias. */
function valueAndGrads(f: typeof dense, inputs: tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const apply = (x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor) =>
      f(x, bias ? { kernel, bias } : { kernel });
    const y = apply(...(inputs as [tf.Tensor, tf.Tensor, tf.Tensor?]));
    const w = values(y.shape, 9);
    const { grads } = tf.valueAndGrads(
      (...xs: tf.Tensor[]) =>
        tf.sum(tf.mul(apply(...(xs as [tf.Tensor, tf.Tensor, tf.Tensor?])), w)) as tf.Scalar,
    )(inputs);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

afterAll(async () => {
  unregisterDenseKernels();
  await initBackend('cpu');
});

const CASES = [
  { name: 'tokens (B, L, In) with a bias', x: [3, 5, 8], out: 6, bias: true },
  { name: 'rows (B, In) without a bias', x: [4, 8], out: 3, bias: false },
  { name: 'a single vector (In)', x: [8], out: 5, bias: true },
] as const;

describe.each([
  ['cpu', 'js'],
  ['wasm', 'js'],
  ['wasm', 'native'],
] as const)('fused dense on %s (%s loops) equals the composed tfjs ops', (backend, loops) => {
  it.each(CASES)('$name: y and gradients within 1e-5', async ({ x: xShape, out, bias }) => {
    if (loops === 'native' && native === undefined) return; // the addon is not built here
    await initBackend(backend, { native: false, fused: false });
    const inDim = xShape.at(-1)!;
    const inputs = [values([...xShape], 1, 2), values([inDim, out], 2), ...(bias ? [values([out], 3)] : [])];
    const composed = valueAndGrads(denseComposed, inputs);
    registerDenseKernels({ native: loops === 'native' ? native : undefined });
    const before = tf.memory().numTensors;
    let recorded: { result: Float32Array[]; calls: string[] };
    try {
      recorded = recordKernels(() => valueAndGrads(dense, inputs));
    } finally {
      unregisterDenseKernels();
    }
    const { result: fused, calls } = recorded;
    expect(tf.memory().numTensors).toBe(before);
    expect(calls).toContain(FUSED_KERNELS.dense);
    expect(calls).toContain(FUSED_KERNELS.denseGrad);
    expect(calls).not.toContain('BatchMatMul');
    expect(maxDiff(fused, composed)).toBeLessThanOrEqual(1e-5);
    tf.dispose(inputs);
  });
});

describe('the C dense layer (native/vlakit_dense.c)', () => {
  it.runIf(native !== undefined)('matches the JavaScript loops on a ViT token projection', () => {
    if (native === undefined) return;
    const [rows, inDim, out] = [2080, 64, 128];
    const f = (n: number, seed: number) =>
      Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed));
    const x = f(rows * inDim, 1);
    const kernel = f(inDim * out, 2);
    const bias = f(out, 3);
    const dy = f(rows * out, 4);
    const run = (impl: { dense: typeof denseLoop; denseGrad: typeof denseGradLoop }) => {
      const y = new Float32Array(rows * out);
      impl.dense(x, kernel, bias, y, out);
      const [dx, dk, db] = [x.length, kernel.length, out].map((n) => new Float32Array(n).fill(5)); // overwritten
      impl.denseGrad(dy, x, kernel, dx!, dk!, db!);
      return [y, dx!, dk!, db!];
    };
    const got = run(native);
    const want = run({ dense: denseLoop, denseGrad: denseGradLoop });
    expect(maxDiff(got, want)).toBeLessThan(1e-5);
  });

  it.runIf(native !== undefined)('a wrong size is an error naming the argument', () => {
    if (native === undefined) return;
    const z = (n: number) => new Float32Array(n);
    expect(() => native.dense(z(12), z(8), z(3), z(6), 2)).toThrow(
      'vlakit dense: bias has 3 elements, expected 2',
    );
    expect(() => native.dense(z(10), z(8), null, z(6), 2)).toThrow(/vlakit dense: x \(not rows \* in\)/);
    expect(() => native.denseGrad(z(6), z(12), z(8), z(11), z(8), z(2))).toThrow(
      'vlakit denseGrad: dx has 11 elements, expected 12',
    );
  });
});
