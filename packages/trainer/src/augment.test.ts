import * as tf from '@tensorflow/tfjs';
import { SeededRandom } from '@vlakit/core';
import { describe, expect, it } from 'vitest';
import { augmentImages } from './augment.js';

const image = () =>
  tf.tensor4d(
    Float32Array.from({ length: 2 * 6 * 6 * 3 }, (_, i) => (i % 97) / 97),
    [2, 6, 6, 3],
  );

describe('augmentImages', () => {
  it('is the identity with shift 0 and brightness 0', () => {
    const x = image();
    const y = augmentImages(x, { shift: 0, brightness: 0 }, new SeededRandom(1));
    expect([...y.dataSync()]).toEqual([...x.dataSync()]);
  });

  it('shifts each sample by whole pixels: every output is an exact crop of the mirrored pad', () => {
    const x = image();
    const y = augmentImages(x, { shift: 2, brightness: 0 }, new SeededRandom(5));
    const padded = tf.mirrorPad(
      x,
      [
        [0, 0],
        [2, 2],
        [2, 2],
        [0, 0],
      ],
      'symmetric',
    );
    for (let b = 0; b < 2; b++) {
      const out = [...y.slice([b, 0, 0, 0], [1, 6, 6, 3]).dataSync()];
      let found = false;
      for (let oy = 0; oy <= 4 && !found; oy++)
        for (let ox = 0; ox <= 4 && !found; ox++)
          found = [...padded.slice([b, oy, ox, 0], [1, 6, 6, 3]).dataSync()].every((v, i) => v === out[i]);
      expect(found).toBe(true);
    }
  });

  it('is seeded: the same generator state gives the same images, and stays in [0, 1]', () => {
    const a = augmentImages(image(), { shift: 1, brightness: 0.5 }, new SeededRandom(7));
    const b = augmentImages(image(), { shift: 1, brightness: 0.5 }, new SeededRandom(7));
    expect([...a.dataSync()]).toEqual([...b.dataSync()]);
    expect(Math.max(...a.dataSync())).toBeLessThanOrEqual(1);
    expect(Math.min(...a.dataSync())).toBeGreaterThanOrEqual(0);
  });
});
