import * as tf from '@tensorflow/tfjs';
import { VlakitError } from '@vlakit/core';
import { describeStageConformance } from '@vlakit/core/testing';
import { describe, expect, it } from 'vitest';
import { patchify } from './patch-embedding.js';
import { FIXTURES, testImage } from './test-helpers.js';
import { VitEncoderPlugin } from './vit-encoder-plugin.js';

const plugin = new VitEncoderPlugin({ info: () => {}, warn: () => {} } as never);
const ctx = (seed: number) => ({ name: 'vision', seed, upstream: {} });

describeStageConformance('vit (default options)', { create: (seed) => plugin.create({}, ctx(seed)) });
describeStageConformance('vit (small image, no qkv bias, depth 1)', {
  create: (seed) =>
    plugin.create({ imageSize: 16, patchSize: 4, dim: 12, heads: 3, depth: 1, qkvBias: false }, ctx(seed)),
});

/** Two RGB frames stacked per pixel, read through 4 keypoints. */
const STACKED = {
  imageSize: 16,
  patchSize: 4,
  dim: 12,
  heads: 3,
  depth: 1,
  channels: 6,
  keypoints: 4,
  patchTokens: false,
};
describeStageConformance('vit (two stacked frames, keypoints only)', {
  create: (seed) => plugin.create(STACKED, ctx(seed)),
});

describe('vit encoder', () => {
  it('channels: 6 reads two frames stacked per pixel, and both of them matter', () => {
    const stage = plugin.create(STACKED, ctx(3));
    stage.build();
    expect(stage.inputs.find((p) => p.name === 'image')!.shape).toEqual(['B', 16, 16, 6]);
    const two = testImage(2, 16);
    const a = two.slice([0, 0, 0, 0], [1, 16, 16, 3]); // (1, 16, 16, 3)
    const b = two.slice([1, 0, 0, 0], [1, 16, 16, 3]); // (1, 16, 16, 3)
    const stack = (x: tf.Tensor, y: tf.Tensor) => tf.concat([x, y], 3); // (1, 16, 16, 6)
    const run = (img: tf.Tensor) => stage.forward({ image: img })['tokens']!.arraySync() as number[][][];
    const same = run(stack(a, b));
    expect(run(stack(a, b))).toEqual(same);
    const changedStart = run(stack(a, a)); // only the second frame differs
    const diff = Math.max(...same.flat(2).map((v, i) => Math.abs(v - changedStart.flat(2)[i]!)));
    expect(diff).toBeGreaterThan(1e-4);
    expect(() => stage.forward({ image: a })).toThrow(/image/);
    expect(() => plugin.create({ channels: 4 }, ctx(1))).toThrow(/channels/);
  });

  it('resolves the default and the named sizes', () => {
    const d = plugin.create({}, ctx(1)).config;
    expect([d.imageSize, d.patchSize, d.dim, d.depth, d.heads, d.mlpDim]).toEqual([64, 8, 64, 2, 4, 256]);
    const tiny = plugin.create({ size: 'tiny' }, ctx(1)).config;
    expect([tiny.dim, tiny.depth, tiny.heads, tiny.mlpDim, tiny.patchSize]).toEqual([192, 12, 3, 768, 16]);
    const small = plugin.create({ size: 'small' }, ctx(1)).config;
    expect([small.dim, small.heads, small.mlpDim]).toEqual([384, 6, 1536]);
    const base = plugin.create({ size: 'base', imageSize: 224 }, ctx(1));
    expect([base.config.dim, base.config.heads, base.config.mlpDim]).toEqual([768, 12, 3072]);
    expect(base.outputs.find((p) => p.name === 'tokens')!.shape).toEqual(['B', 197, 768]);
    expect(plugin.create({ size: 'tiny', depth: 3 }, ctx(1)).config.depth).toBe(3); // explicit wins
  });

  it('rejects bad options with messages that quote the values', () => {
    expect(() => plugin.create({ patchSize: 7 }, ctx(1))).toThrow(
      /patchSize \(7\) must divide imageSize \(64\)/,
    );
    expect(() => plugin.create({ dim: 30, heads: 4 }, ctx(1))).toThrow(/heads \(4\) must divide dim \(30\)/);
    expect(() => plugin.create({ size: 'huge' }, ctx(1))).toThrow(VlakitError);
    expect(() => plugin.create({ imageStd: [0.5, 0, 0.5] }, ctx(1))).toThrow(
      /imageStd\[1\] \(0\) must be > 0/,
    );
    expect(() => plugin.create({ dimm: 3 }, ctx(1))).toThrow(/dimm/);
    expect(() => plugin.create({ channels: 6, hfCheckpoint: `${FIXTURES}vit-tiny` }, ctx(1))).toThrow(
      /channels \(6\) must be 3 with hfCheckpoint/,
    );
  });

  it('patchify cuts row-major patches flattened as (py, px, c)', () => {
    const img = tf.tensor4d(
      Float32Array.from({ length: 4 * 4 * 3 }, (_, i) => i),
      [1, 4, 4, 3],
    );
    const p = patchify(img, 2);
    expect(p.shape).toEqual([1, 4, 12]);
    const rows = p.arraySync() as number[][][];
    // patch (0, 1): pixels (0,2) (0,3) (1,2) (1,3), each 3 channels
    const px = (y: number, x: number) => [0, 1, 2].map((c) => (y * 4 + x) * 3 + c);
    expect(rows[0]![1]).toEqual([...px(0, 2), ...px(0, 3), ...px(1, 2), ...px(1, 3)]);
    expect(rows[0]![2]).toEqual([...px(2, 0), ...px(2, 1), ...px(3, 0), ...px(3, 1)]);
    tf.dispose([img, p]);
  });

  it('pooled is the class token, and inspect returns attention rows that sum to 1', () => {
    const stage = plugin.create({ imageSize: 16, patchSize: 4, dim: 8, heads: 2 }, ctx(2));
    stage.build();
    const image = testImage(2, 16);
    const out = stage.forward({ image }, { inspect: true });
    expect(out['tokens']!.shape).toEqual([2, 17, 8]);
    const cls = out['tokens']!.slice([0, 0, 0], [2, 1, 8]).reshape([2, 8]);
    expect(Array.from(out['pooled']!.dataSync())).toEqual(Array.from(cls.dataSync()));
    expect(out['attention']!.shape).toEqual([2, 2, 17, 17]);
    const sums = out['attention']!.sum(-1).dataSync();
    expect(Array.from(sums).every((s) => Math.abs(s - 1) < 1e-5)).toBe(true);
    expect(stage.forward({ image })['attention']).toBeUndefined();
    tf.dispose([image, cls, ...Object.values(out)]);
    stage.dispose();
  });

  it('learns: a few SGD steps lower a regression loss', () => {
    const stage = plugin.create({ imageSize: 16, patchSize: 4, dim: 16, heads: 2 }, ctx(4));
    stage.build();
    const image = testImage(4, 16);
    const target = tf.randomNormal([4, 16], 0, 1, 'float32', 1);
    const opt = tf.train.adam(0.01);
    const loss = () =>
      tf.tidy(() => tf.losses.meanSquaredError(target, stage.forward({ image })['pooled']!) as tf.Scalar);
    const first = loss().dataSync()[0]!;
    for (let i = 0; i < 20; i++) opt.minimize(loss, false, [...stage.variables().values()]);
    const last = loss().dataSync()[0]!;
    expect(last).toBeLessThan(first * 0.5);
    tf.dispose([image, target]);
    opt.dispose();
    stage.dispose();
  });
});
