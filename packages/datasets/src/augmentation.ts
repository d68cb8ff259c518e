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
 * (brightness, contrast, saturation composed, clamped to [0, 1]). Draws from `rng` only. When
 * `shifts` is given, each sample's content displacement (rows, columns) is written to it, so that
 * pixel-space targets (keypoints) can follow the image.
 */
export function augmentImages(
  images: Float32Array, // (B, H, W, 3)
  batch: number,
  height: number,
  width: number,
  config: AugmentationConfig,
  rng: SeededRandom,
  shifts?: Int32Array, // (B, 2)
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
      if (shifts) {
        shifts[2 * b] = -dy;
        shifts[2 * b + 1] = -dx;
      }
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
  const row = width * 3;
  tmp.set(img);
  // columns that map inside the image form one contiguous run per row
  const x0 = Math.max(0, -dx); // first output column whose source x + dx >= 0
  const x1 = Math.min(width, width - dx); // one past the last output column whose source < width
  for (let y = 0; y < height; y++) {
    const sy = y + dy < 0 ? 0 : y + dy >= height ? height - 1 : y + dy;
    const src = sy * row;
    const dst = y * row;
    img.set(tmp.subarray(src + (x0 + dx) * 3, src + (x1 + dx) * 3), dst + x0 * 3);
    const left = src; // source column 0, replicated
    for (let x = 0; x < x0; x++) {
      img[dst + x * 3] = tmp[left]!;
      img[dst + x * 3 + 1] = tmp[left + 1]!;
      img[dst + x * 3 + 2] = tmp[left + 2]!;
    }
    const right = src + row - 3; // source column W - 1, replicated
    for (let x = x1; x < width; x++) {
      img[dst + x * 3] = tmp[right]!;
      img[dst + x * 3 + 1] = tmp[right + 1]!;
      img[dst + x * 3 + 2] = tmp[right + 2]!;
    }
  }
}

/**
 * Brightness b, contrast c (around the brightened image's mean grey m) and saturation s (around
 * each pixel's grey) composed into one affine map, clamped to [0, 1] once at the end:
 * out = c b (s x + (1 - s) grey(x)) + (1 - c) m, with m = b mean(grey(x)).
 */
function jitter(img: Float32Array, brightness: number, contrast: number, saturation: number): void {
  const n = img.length / 3;
  let sumGrey = 0;
  for (let i = 0; i < n * 3; i += 3) sumGrey += 0.299 * img[i]! + 0.587 * img[i + 1]! + 0.114 * img[i + 2]!;
  const offset = (1 - contrast) * brightness * (sumGrey / n);
  const gain = contrast * brightness * saturation; // on the pixel itself
  const greyGain = contrast * brightness * (1 - saturation); // on its grey
  for (let i = 0; i < n * 3; i += 3) {
    const r = img[i]!;
    const g = img[i + 1]!;
    const b = img[i + 2]!;
    const grey = (0.299 * r + 0.587 * g + 0.114 * b) * greyGain + offset;
    img[i] = Math.max(0, Math.min(1, r * gain + grey));
    img[i + 1] = Math.max(0, Math.min(1, g * gain + grey));
    img[i + 2] = Math.max(0, Math.min(1, b * gain + grey));
  }
}
