import type { SeededRandom } from '@vlakit/core';
import { z } from 'zod';

/** Training-time image augmentation; never applied to validation or evaluation batches. */
export const augmentationConfigSchema = z.strictObject({
  /** Master switch. */
  enabled: z.boolean().default(true),
  /** Random shift: pad by this many pixels (edge replication) and crop back at a random offset; 0 disables. */
  shift: z.number().int().nonnegative().default(4),
  /** Brightness factor drawn from [1 - b, 1 + b]; 0 disables. */
  brightness: z.number().min(0).max(1).default(0.2),
  /** Contrast factor drawn from [1 - c, 1 + c] around the image's mean grey; 0 disables. */
  contrast: z.number().min(0).max(1).default(0.2),
  /** Saturation factor drawn from [1 - s, 1 + s] around each pixel's grey; 0 disables. */
  saturation: z.number().min(0).max(1).default(0.2),
});
export type AugmentationConfig = z.output<typeof augmentationConfigSchema>;
export type AugmentationConfigInput = z.input<typeof augmentationConfigSchema>;

/** Scratch space reused across calls so augmentation allocates nothing per batch. */
let scratch = new Float32Array(0);

/**
 * Augments a float image batch (B, H, W, 3) in [0, 1] in place: random shift, then colour jitter
 * (brightness, contrast, saturation, in that order, clamped to [0, 1]). Draws from `rng` only.
 */
export function augmentImages(
  images: Float32Array, // (B, H, W, 3)
  batch: number,
  height: number,
  width: number,
  config: AugmentationConfig,
  rng: SeededRandom,
): void {
  if (!config.enabled) return;
  const frame = height * width * 3;
  if (scratch.length < frame) scratch = new Float32Array(frame);
  for (let b = 0; b < batch; b++) {
    const img = images.subarray(b * frame, (b + 1) * frame); // (H, W, 3)
    const k = config.shift;
    if (k > 0) {
      const dy = rng.int(2 * k + 1) - k;
      const dx = rng.int(2 * k + 1) - k;
      if (dx !== 0 || dy !== 0) shiftImage(img, height, width, dx, dy);
    }
    const bf = config.brightness > 0 ? 1 + (rng.uniform() * 2 - 1) * config.brightness : 1;
    const cf = config.contrast > 0 ? 1 + (rng.uniform() * 2 - 1) * config.contrast : 1;
    const sf = config.saturation > 0 ? 1 + (rng.uniform() * 2 - 1) * config.saturation : 1;
    if (bf !== 1 || cf !== 1 || sf !== 1) jitter(img, bf, cf, sf);
  }
}

/**
 * out(y, x) = in(clamp(y + dy), clamp(x + dx)): the same as padding by |d| with edge replication
 * and cropping at offset (k + dy, k + dx). Content moves by (-dy, -dx).
 */
function shiftImage(img: Float32Array, height: number, width: number, dx: number, dy: number): void {
  const tmp = scratch;
  tmp.set(img);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(height - 1, Math.max(0, y + dy));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(width - 1, Math.max(0, x + dx));
      const o = (y * width + x) * 3;
      const s = (sy * width + sx) * 3;
      img[o] = tmp[s]!;
      img[o + 1] = tmp[s + 1]!;
      img[o + 2] = tmp[s + 2]!;
    }
  }
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

function jitter(img: Float32Array, brightness: number, contrast: number, saturation: number): void {
  const n = img.length / 3;
  // brightness, then the mean grey of the brightened image for contrast
  let meanGrey = 0;
  for (let i = 0; i < n; i++) {
    const r = clamp01(img[i * 3]! * brightness);
    const g = clamp01(img[i * 3 + 1]! * brightness);
    const b = clamp01(img[i * 3 + 2]! * brightness);
    img[i * 3] = r;
    img[i * 3 + 1] = g;
    img[i * 3 + 2] = b;
    meanGrey += 0.299 * r + 0.587 * g + 0.114 * b;
  }
  meanGrey /= n;
  for (let i = 0; i < n; i++) {
    let r = clamp01((img[i * 3]! - meanGrey) * contrast + meanGrey);
    let g = clamp01((img[i * 3 + 1]! - meanGrey) * contrast + meanGrey);
    let b = clamp01((img[i * 3 + 2]! - meanGrey) * contrast + meanGrey);
    const grey = 0.299 * r + 0.587 * g + 0.114 * b;
    r = clamp01((r - grey) * saturation + grey);
    g = clamp01((g - grey) * saturation + grey);
    b = clamp01((b - grey) * saturation + grey);
    img[i * 3] = r;
    img[i * 3 + 1] = g;
    img[i * 3 + 2] = b;
  }
}
