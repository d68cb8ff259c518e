import * as tf from '@tensorflow/tfjs';
import { describeStageConformance } from '@vlakit/core/testing';
import { describe, expect, it } from 'vitest';
import { PatchPoolPlugin } from './index.js';

const plugin = new PatchPoolPlugin({ info() {}, warn() {}, debug() {} });
const create = (seed: number, options: Record<string, unknown> = { imageSize: 16, cellSize: 4, dim: 8 }) =>
  plugin.create(options, { name: 'vision', seed, upstream: {} });

describeStageConformance('patchpool', { create: (seed) => create(seed) });

describe('patchpool encoder', () => {
  it('averages each cell: a constant image gives the same token before the position term', () => {
    const stage = create(1);
    stage.build();
    stage
      .variables()
      .get('position')!
      .assign(tf.zeros([16, 8]));
    const out = stage.forward({ image: tf.fill([1, 16, 16, 3], 0.5) });
    const tokens = out['tokens']!.arraySync() as number[][][];
    for (const t of tokens[0]!) expect(t).toEqual(tokens[0]![0]);
    tf.dispose(out);
    stage.dispose();
  });

  it('rejects options that do not tile the image, quoting them', () => {
    expect(() => create(1, { imageSize: 64, cellSize: 7 })).toThrow(
      /cellSize \(7\) must divide imageSize \(64\)/,
    );
    expect(() => create(1, { imageSize: 64, cellSize: 8, pooledSize: 3 })).toThrow(
      /pooledSize \(3\) must divide cellSize \(8\)/,
    );
  });
});
