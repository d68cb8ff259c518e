import * as tf from '@tensorflow/tfjs';
import type { SeededRandom } from '@vlakit/core';
import type { AugmentConfig } from './training-config.js';

/**
 * Training-path image augmentation: a random integer shift per sample (edge-mirrored pad, then
 * an exact crop back to size) and a brightness factor 1 + U(-b, b) per sample, clipped to [0, 1].
 * The offsets and factors come from `rng`, so a run is reproducible and resumable.
 */
export function augmentImages(images: tf.Tensor4D, config: AugmentConfig, rng: SeededRandom): tf.Tensor4D {
  const [b, h, w] = images.shape as [number, number, number, number];
  const s = Math.min(config.shift, h - 1, w - 1);
  const offsets = Array.from({ length: b }, () => [
    s > 0 ? rng.int(2 * s + 1) : 0,
    s > 0 ? rng.int(2 * s + 1) : 0,
  ]);
  const factors = Array.from({ length: b }, () =>
    config.brightness > 0 ? 1 + (2 * rng.uniform() - 1) * config.brightness : 1,
  );
  return tf.tidy(() => {
    let x: tf.Tensor4D = images; // (B, H, W, 3)
    if (s > 0) {
      const padded = tf.mirrorPad(
        x,
        [
          [0, 0],
          [s, s],
          [s, s],
          [0, 0],
        ],
        'symmetric',
      ); // (B, H+2s, W+2s, 3)
      const hp = h + 2 * s;
      const wp = w + 2 * s;
      const boxes = offsets.map(([oy, ox]) => [
        oy! / (hp - 1),
        ox! / (wp - 1),
        (oy! + h - 1) / (hp - 1),
        (ox! + w - 1) / (wp - 1),
      ]);
      const idx = Array.from({ length: b }, (_, i) => i);
      x = tf.image.cropAndResize(padded, boxes, idx, [h, w], 'nearest'); // (B, H, W, 3)
    }
    if (config.brightness > 0) {
      x = tf.clipByValue(tf.mul(x, tf.tensor(factors, [b, 1, 1, 1])), 0, 1) as tf.Tensor4D; // (B, H, W, 3)
    }
    return x === images ? tf.clone(x) : x;
  });
}
