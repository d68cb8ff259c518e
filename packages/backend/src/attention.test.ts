import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNELS, scaledDotProductAttention, scaledDotProductAttentionComposed } from '@vlakit/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  attentionGradLoop,
  attentionLoop,
  registerAttentionKernels,
  unregisterAttentionKernels,
} from './attention.js';
import { initBackend } from './init-backend.js';
import { maxDiff, recordKernels, testNative, values } from './test-kernels.js';

const native = testNative();

/** A key mask (B, Lk) with `valid[b]` leading ones per row (0 valid keys: a fully masked row). */
function keyMask(valid: number[], lk: number): tf.Tensor {
  return tf.tensor2d(
    valid.flatMap((n) => Array.from({ length: lk }, (_, j) => (j < n ? 1 : 0))),
    [valid.length, lk],
  );
}

type Attention = typeof scaledDotProductAttention;

/**
 * Context, probabilities and the gradients of q, k, v for a loss that weighs every output of both
 * the context and the probabilities (so the dprobs path is exercised too).
 */
function valueAndGrads(
  f: Attention,
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  heads: number,
  mask?: tf.Tensor,
) {
  return tf.tidy(() => {
    const options = { keyMask: mask, zeroMasked: mask !== undefined };
    const out = f(q, k, v, heads, options);
    const wc = values(out.context.shape, 91);
    const wp = values(out.probabilities.shape, 92);
    const { grads } = tf.valueAndGrads((qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => {
      const r = f(qq, kk, vv, heads, options);
      return tf.add(tf.sum(tf.mul(r.context, wc)), tf.sum(tf.mul(r.probabilities, wp))) as tf.Scalar;
    })([q, k, v]);
    return [out.context, out.probabilities, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

afterAll(async () => {
  unregisterAttentionKernels();
  await initBackend('cpu');
});

const CASES = [
  { name: 'self-attention, no mask (ViT-like)', b: 2, lq: 9, lk: 9, d: 16, heads: 4, valid: undefined },
  { name: 'masked keys, one fully masked row', b: 3, lq: 5, lk: 7, d: 12, heads: 3, valid: [7, 2, 0] },
] as const;

describe.each([
  ['cpu', 'js'],
  ['wasm', 'js'],
  ['wasm', 'native'],
] as const)('fused attention on %s (%s loops) equals the composed tfjs ops', (backend, loops) => {
  it.each(CASES)(
    '$name: context, probabilities and gradients of q, k, v within 1e-5',
    async ({ b, lq, lk, d, heads, valid }) => {
      if (loops === 'native' && native === undefined) return; // the addon is not built here
      await initBackend(backend, { native: false, fused: false });
      const q = values([b, lq, d], 1);
      const k = values([b, lk, d], 2);
      const v = values([b, lk, d], 3);
      const mask = valid === undefined ? undefined : keyMask([...valid], lk);
      const composed = valueAndGrads(scaledDotProductAttentionComposed, q, k, v, heads, mask);
      registerAttentionKernels({ native: loops === 'native' ? native : undefined });
      const before = tf.memory().numTensors;
      let recorded: { result: Float32Array[]; calls: string[] };
      try {
        recorded = recordKernels(() => valueAndGrads(scaledDotProductAttention, q, k, v, heads, mask));
      } finally {
        unregisterAttentionKernels();
      }
      const { result: fused, calls } = recorded;
      expect(tf.memory().numTensors).toBe(before);
      expect(calls).toContain(FUSED_KERNELS.attention);
      expect(calls).toContain(FUSED_KERNELS.attentionGrad);
      expect(calls).not.toContain('Softmax');
      expect(maxDiff(fused, composed)).toBeLessThanOrEqual(1e-5);
      if (valid?.includes(0)) {
        // a query whose keys are all masked attends to nothing
        const p = fused[1]!.subarray(2 * heads * lq * lk, 3 * heads * lq * lk);
        expect(Math.max(...Array.from(p, Math.abs))).toBe(0);
      }
      tf.dispose([q, k, v, ...(mask ? [mask] : [])]);
    },
  );
});

describe('the C attention (native/vlakit_attention.c)', () => {
  it.runIf(native !== undefined)('matches the JavaScript loops on the default pipeline ViT shape', () => {
    if (native === undefined) return;
    const [b, lq, lk, d, heads] = [4, 65, 65, 64, 4];
    const f = (n: number, seed: number) =>
      Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 1.5);
    const q = f(b * lq * d, 1);
    const k = f(b * lk * d, 2);
    const v = f(b * lk * d, 3);
    const mask = Float32Array.from({ length: b * lk }, (_, i) => (i % lk < 10 + (i / lk) * 9 ? 1 : 0));
    const dy = f(b * lq * d, 4);
    const dprobs = f(b * heads * lq * lk, 5);
    const run = (impl: { attention: typeof attentionLoop; attentionGrad: typeof attentionGradLoop }) => {
      const context = new Float32Array(b * lq * d);
      const probs = new Float32Array(b * heads * lq * lk);
      impl.attention(q, k, v, mask, context, probs, b, lq, lk, heads, true);
      const [dq, dk, dv] = [q, k, v].map((t) => new Float32Array(t.length).fill(3)); // overwritten
      impl.attentionGrad(dy, dprobs, q, k, v, probs, dq!, dk!, dv!, b, lq, lk, heads);
      return [context, probs, dq!, dk!, dv!];
    };
    const got = run(native);
    const want = run({ attention: attentionLoop, attentionGrad: attentionGradLoop });
    expect(maxDiff(got, want)).toBeLessThan(1e-5);
  });

  it.runIf(native !== undefined)('a wrong size is an error naming the argument', () => {
    if (native === undefined) return;
    const z = (n: number) => new Float32Array(n);
    expect(() => native.attention(z(24), z(24), z(24), null, z(24), z(8), 1, 2, 2, 5, false)).toThrow(
      'vlakit attention: heads (5) must divide the width D (12)',
    );
    expect(() => native.attention(z(24), z(24), z(20), null, z(24), z(16), 1, 2, 2, 4, false)).toThrow(
      'vlakit attention: v has 20 elements, expected 24',
    );
    expect(() => native.attention(z(24), z(24), z(24), z(3), z(24), z(16), 1, 2, 2, 4, false)).toThrow(
      'vlakit attention: mask has 3 elements, expected 2',
    );
  });
});
