import * as tf from '@tensorflow/tfjs';
import { describeStageConformance } from '@vlakit/core/testing';
import { describe, expect, it } from 'vitest';
import { pixelCentres, spatialSoftArgmax } from './keypoint-readout.js';
import { testImage } from './test-helpers.js';
import { VitEncoderPlugin } from './vit-encoder-plugin.js';

const plugin = new VitEncoderPlugin({ info: () => {}, warn: () => {} } as never);
const ctx = (seed: number) => ({ name: 'vision', seed, upstream: {} });
const small = { imageSize: 16, patchSize: 4, dim: 8, heads: 2, depth: 1, keypoints: 3, keypointHidden: 8 };

describeStageConformance('vit with keypoint tokens', { create: (seed) => plugin.create(small, ctx(seed)) });
describeStageConformance('vit with keypoint tokens only, stride 2', {
  create: (seed) => plugin.create({ ...small, patchTokens: false, keypointStride: 2 }, ctx(seed)),
});

/** Images (B, S, S, 3) of a grey table with a red and a blue 2x2 square at the given pixels. */
function squares(at: ReadonlyArray<readonly [number, number, number, number]>, s: number): tf.Tensor4D {
  const data = new Float32Array(at.length * s * s * 3).fill(0.25);
  at.forEach(([ry, rx, by, bx], b) => {
    for (const [y0, x0, rgb] of [
      [ry, rx, [0.9, 0.15, 0.15]],
      [by, bx, [0.15, 0.3, 0.9]],
    ] as const)
      for (let y = y0; y < y0 + 2; y++)
        for (let x = x0; x < x0 + 2; x++) data.set(rgb, ((b * s + y) * s + x) * 3);
  });
  return tf.tensor4d(data, [at.length, s, s, 3]);
}

describe('keypoint readout', () => {
  it('spatial soft-argmax returns the expected pixel-centre position of each score map', () => {
    const h = 4;
    const w = 6;
    const logits = new Float32Array(2 * h * w); // (1, 2, 4, 6)
    logits[1 * w + 4] = 50; // map 0 peaks at row 1, column 4
    const pos = spatialSoftArgmax(tf.tensor4d(logits, [1, 2, h, w])).arraySync() as number[][][];
    expect(pos[0]![0]![0]).toBeCloseTo(pixelCentres(w)[4]!, 5); // u: (2*4+1)/6 - 1
    expect(pos[0]![0]![1]).toBeCloseTo(pixelCentres(h)[1]!, 5); // v: (2*1+1)/4 - 1
    expect(pos[0]![1]).toEqual([0, 0]); // a flat map averages to the centre
  });

  it('adds K tokens, and exposes positions and score maps only when inspected', () => {
    const stage = plugin.create(small, ctx(1));
    stage.build();
    const img = testImage(2, 16);
    const plain = stage.forward({ image: img }, { training: false, inspect: false });
    expect(plain['tokens']!.shape).toEqual([2, 16 + 1 + 3, 8]);
    expect(plain['keypoints']).toBeUndefined();
    const seen = stage.forward({ image: img }, { training: false, inspect: true });
    expect(seen['keypoints']!.shape).toEqual([2, 3, 2]);
    expect(seen['keypointLogits']!.shape).toEqual([2, 3, 16, 16]);
    expect(Math.max(...(seen['keypoints']!.abs().dataSync() as Float32Array))).toBeLessThanOrEqual(1);
    expect(() => plugin.create({ keypoints: -1 }, ctx(1))).toThrow(/keypoints/);
  });

  it('keypoint tokens only: the class token and K tokens, score maps at the stride', async () => {
    const stage = plugin.create({ ...small, patchTokens: false, keypointStride: 4 }, ctx(1));
    stage.build();
    expect([...stage.variables().keys()].some((n) => n.startsWith('patch/') || n === 'position')).toBe(false);
    const out = stage.forward({ image: testImage(2, 16) }, { training: false, inspect: true });
    expect(out['tokens']!.shape).toEqual([2, 1 + 3, 8]);
    expect(out['keypointLogits']!.shape).toEqual([2, 3, 4, 4]);
    expect(stage.outputs.find((p) => p.name === 'tokens')!.shape).toEqual(['B', 4, 8]);
    expect(() => plugin.create({ patchTokens: false }, ctx(1))).toThrow(
      /patchTokens \(false\) needs keypoints > 0/,
    );
    expect(() => plugin.create({ keypoints: 2, keypointStride: 3 }, ctx(1))).toThrow(
      /keypointStride \(3\) must divide imageSize \(64\)/,
    );
    await expect(stage.loadPretrained!('/nowhere')).rejects.toThrow(
      /patchTokens: false, so it has no patch embedding/,
    );
  });

  it('learns to find coloured objects when its score maps are supervised', () => {
    const stage = plugin.create(small, ctx(3));
    stage.build();
    const s = 16;
    const rngPos = (i: number) =>
      [(i * 5 + 1) % 13, (i * 7 + 3) % 13, (i * 3 + 8) % 13, (i * 11 + 2) % 13] as const;
    const batch = Array.from({ length: 8 }, (_, i) => rngPos(i));
    const images = squares(batch, s);
    // one-hot targets at each square's top-left pixel for keypoints 0 (red) and 1 (blue)
    const target = new Float32Array(8 * 2 * s * s);
    batch.forEach(([ry, rx, by, bx], b) => {
      target[(b * 2 + 0) * s * s + ry * s + rx] = 1;
      target[(b * 2 + 1) * s * s + by * s + bx] = 1;
    });
    const targets = tf.tensor2d(target, [16, s * s]);
    const vars = [...stage.variables()].filter(([n]) => n.startsWith('keypoint/pixel')).map(([, v]) => v);
    const opt = tf.train.adam(0.05);
    for (let i = 0; i < 150; i++) {
      opt.minimize(
        () => {
          const out = stage.forward({ image: images }, { training: true, inspect: true });
          const logits = out['keypointLogits']!.slice([0, 0, 0, 0], [8, 2, s, s]).reshape([16, s * s]);
          return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
        },
        false,
        vars,
      );
    }
    // held-out placements: positions within a pixel of the red and blue squares' centres
    const test = [
      [2, 11, 12, 4],
      [9, 1, 3, 6],
    ] as const;
    const out = stage.forward({ image: squares(test, s) }, { training: false, inspect: true });
    const pos = out['keypoints']!.arraySync() as number[][][];
    const toPixel = (p: number) => ((p + 1) * s) / 2 - 0.5; // inverse of pixelCentres
    test.forEach(([ry, rx, by, bx], b) => {
      expect(Math.abs(toPixel(pos[b]![0]![1]!) - (ry + 0.5))).toBeLessThan(1);
      expect(Math.abs(toPixel(pos[b]![0]![0]!) - (rx + 0.5))).toBeLessThan(1);
      expect(Math.abs(toPixel(pos[b]![1]![1]!) - (by + 0.5))).toBeLessThan(1);
      expect(Math.abs(toPixel(pos[b]![1]![0]!) - (bx + 0.5))).toBeLessThan(1);
    });
  });
});
