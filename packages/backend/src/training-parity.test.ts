import * as tf from '@tensorflow/tfjs';
import { SeededRandom } from '@vlakit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend.js';
import { loadNativeBlas } from './native-blas.js';

/**
 * A seeded 100-step training run of a small model that touches every kernel we replace or add
 * (embedding gather and its UnsortedSegmentSum gradient, batched attention matmuls with
 * transposes, LayerNorm and bias sums over leading axes, erf GELU, a GRU over unstacked time
 * steps, a strided conv patch embedding and its Conv2DBackpropFilter), trained with Adam on the
 * stock cpu backend and on wasm with our kernels: the losses must agree within 1e-3 relative.
 */
const B = 4,
  T = 4,
  D = 16,
  H = 2,
  V = 20,
  IMG = 8,
  P = 4;

function init(seed: number): Record<string, tf.Tensor> {
  const rng = new SeededRandom(seed);
  const w = (shape: number[], scale: number) =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * scale),
      shape,
    );
  return {
    emb: w([V, D], 0.5),
    conv: w([P, P, 3, D], 0.2), // (P, P, 3, D) patch embedding
    wq: w([D, D], 0.25),
    wk: w([D, D], 0.25),
    wv: w([D, D], 0.25),
    wo: w([D, D], 0.25),
    g: tf.ones([D]),
    b: tf.zeros([D]),
    w1: w([D, 2 * D], 0.25),
    b1: tf.zeros([2 * D]),
    w2: w([2 * D, D], 0.18),
    wx: w([D, 3 * D], 0.25),
    wh: w([D, 3 * D], 0.25),
    bh: tf.zeros([3 * D]),
    head: w([D, 2], 0.25),
  };
}

function batch(seed: number) {
  const rng = new SeededRandom(seed);
  const ids = Int32Array.from({ length: B * T }, () => rng.int(V));
  const image = Float32Array.from({ length: B * IMG * IMG * 3 }, () => rng.uniform());
  // A learnable target: a fixed function of each token id, plus a little noise.
  const target = Float32Array.from({ length: B * T * 2 }, (_, i) => {
    const id = ids[i >> 1]!;
    return (i % 2 === 0 ? (id % 5) / 2 - 1 : (id % 3) - 1) + 0.1 * rng.normal();
  });
  return { ids, image, target };
}

export function losses(steps: number): number[] {
  const initial = init(7);
  const vars = Object.fromEntries(
    Object.entries(initial).map(([k, t]) => [k, tf.variable(t, true, `p_${k}`)]),
  );
  tf.dispose(Object.values(initial));
  const v = vars as Record<string, tf.Variable>;
  const lossFn = (ids: tf.Tensor2D, image: tf.Tensor4D, target: tf.Tensor3D) => {
    const patches = tf.conv2d(image, v.conv as tf.Tensor4D, P, 'valid').reshape([B, -1, D]); // (B, 4, D)
    const tok = tf.gather(v.emb!, ids); // (B, T, D)
    const x = tf.concat([patches, tok], 1); // (B, 4+T, D)
    const { mean, variance } = tf.moments(x, -1, true);
    const h = x
      .sub(mean)
      .mul(tf.rsqrt(variance.add(1e-5)))
      .mul(v.g!)
      .add(v.b!); // (B, S, D)
    const S = x.shape[1]!;
    const heads = (w: tf.Tensor) =>
      tf
        .matMul(h.reshape([-1, D]), w)
        .reshape([B, S, H, D / H])
        .transpose([0, 2, 1, 3]);
    const att = tf.softmax(tf.matMul(heads(v.wq!), heads(v.wk!), false, true).div(Math.sqrt(D / H))); // (B, H, S, S)
    const y = tf.matMul(att, heads(v.wv!)).transpose([0, 2, 1, 3]).reshape([-1, D]); // (B*S, D)
    const a = x.add(tf.matMul(y, v.wo!).reshape([B, S, D]));
    const f = tf.matMul(a.reshape([-1, D]), v.w1!).add(v.b1!); // (B*S, 2D)
    const gelu = f.mul(0.5).mul(tf.erf(f.mul(Math.SQRT1_2)).add(1));
    const z = a.add(tf.matMul(gelu, v.w2!).reshape([B, S, D])).slice([0, 4, 0], [B, T, D]); // (B, T, D)
    let hid = tf.zeros([B, D]);
    const outs: tf.Tensor[] = [];
    for (const xt of tf.unstack(z, 1)) {
      const [xr, xz, xn] = tf.split(tf.matMul(xt, v.wx!), 3, 1);
      const [hr, hz, hn] = tf.split(tf.matMul(hid, v.wh!).add(v.bh!), 3, 1);
      const r = tf.sigmoid(xr!.add(hr!));
      const u = tf.sigmoid(xz!.add(hz!));
      hid = tf
        .tanh(xn!.add(r.mul(hn!)))
        .mul(tf.scalar(1).sub(u))
        .add(u.mul(hid));
      outs.push(tf.matMul(hid, v.head!)); // (B, 2)
    }
    return tf.stack(outs, 1).sub(target).square().mean() as tf.Scalar;
  };
  const opt = tf.train.adam(0.003);
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    // A fresh batch every step keeps the loss away from zero, where relative error means nothing.
    const data = batch(1000 + s);
    const ids = tf.tensor2d(data.ids, [B, T], 'int32');
    const image = tf.tensor4d(data.image, [B, IMG, IMG, 3]);
    const target = tf.tensor3d(data.target, [B, T, 2]);
    const loss = opt.minimize(() => lossFn(ids, image, target), true) as tf.Scalar;
    out.push(loss.dataSync()[0]!);
    tf.dispose([loss, ids, image, target]);
  }
  opt.dispose();
  tf.dispose(Object.values(vars));
  return out;
}

function worstRelative(a: number[], b: number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!) / Math.abs(b[i]!)));
}

afterAll(() => {
  tf.setBackend('cpu');
});

describe('seeded 100-step training: wasm with vlakit kernels matches stock cpu', () => {
  let reference: number[] = [];
  it('cpu reference trains (loss falls)', async () => {
    await initBackend('cpu');
    reference = losses(100);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(reference.slice(80))).toBeLessThan(mean(reference.slice(0, 20)));
  });
  it('wasm + XNNPACK kernels: losses within 1e-3 relative, no leaked tensors', async () => {
    await initBackend('wasm', { native: false });
    const before = tf.memory().numTensors;
    const got = losses(100);
    expect(tf.memory().numTensors).toBe(before);
    expect(worstRelative(got, reference)).toBeLessThan(1e-3);
  });
  it.runIf(loadNativeBlas().loaded)('wasm + OpenBLAS addon: losses within 1e-3 relative', async () => {
    await initBackend('wasm', { native: true });
    const got = losses(100);
    expect(worstRelative(got, reference)).toBeLessThan(1e-3);
  });
});
