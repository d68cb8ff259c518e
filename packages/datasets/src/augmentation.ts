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
 * Augments a float image batch (B, H, W, C) in [0, 1] in place: random shift, then colour jitter
 * (brightness, contrast, saturation composed, clamped to [0, 1]). C is 3 (RGB) or a multiple of
 * 3: frames stacked per pixel (`data.startFrame`: the current frame, then the episode's first),
 * which all get the sample's one shift and one jitter, each frame around its own mean grey.
 * Draws from `rng` only. When `shifts` is given, each sample's content displacement (rows,
 * columns) is written to it, so that pixel-space targets (keypoints) can follow the image.
 */
export function augmentImages(
  images: Float32Array, // (B, H, W, C)
  batch: number,
  height: number,
  width: number,
  config: AugmentationConfig,
  rng: SeededRandom,
  shifts?: Int32Array, // (B, 2)
  channels = 3,
): void {
  if (!config.enabled) return;
  if (!Number.isInteger(channels) || channels <= 0 || channels % 3 !== 0)
    throw new RangeError(`augmentImages: channels (${channels}) must be a positive multiple of 3`);
  const frame = height * width * channels;
  if (scratch.length < frame) scratch = new Float32Array(frame);
  for (let b = 0; b < batch; b++) {
    const img = images.subarray(b * frame, (b + 1) * frame); // (H, W, C)
    const k = config.shift;
    if (k > 0) {
      const dy = rng.int(2 * k + 1) - k;
      const dx = rng.int(2 * k + 1) - k;
      if (dx !== 0 || dy !== 0) shiftImage(img, height, width, channels, dx, dy);
      if (shifts) {
        shifts[2 * b] = -dy;
        shifts[2 * b + 1] = -dx;
      }
    }
    const bf = config.brightness > 0 ? 1 + (rng.uniform() * 2 - 1) * config.brightness : 1;
    const cf = config.contrast > 0 ? 1 + (rng.uniform() * 2 - 1) * config.contrast : 1;
    const sf = config.saturation > 0 ? 1 + (rng.uniform() * 2 - 1) * config.saturation : 1;
    if (bf !== 1 || cf !== 1 || sf !== 1)
      for (let f = 0; f < channels; f += 3) jitter(img, channels, f, bf, cf, sf);
  }
}

/**
 * out(y, x) = in(clamp(y + dy), clamp(x + dx)): the same as padding by |d| with edge replication
 * and cropping at offset (k + dy, k + dx). Content moves by (-dy, -dx).
 */
function shiftImage(
  img: Float32Array,
  height: number,
  width: number,
  c: number,
  dx: number,
  dy: number,
): void {
  const tmp = scratch;
  const row = width * c;
  tmp.set(img);
  // columns that map inside the image form one contiguous run per row
  const x0 = Math.max(0, -dx); // first output column whose source x + dx >= 0
  const x1 = Math.min(width, width - dx); // one past the last output column whose source < width
  for (let y = 0; y < height; y++) {
    const sy = y + dy < 0 ? 0 : y + dy >= height ? height - 1 : y + dy;
    const src = sy * row;
    const dst = y * row;
    img.set(tmp.subarray(src + (x0 + dx) * c, src + (x1 + dx) * c), dst + x0 * c);
    const left = tmp.subarray(src, src + c); // source column 0, replicated
    for (let x = 0; x < x0; x++) img.set(left, dst + x * c);
    const right = tmp.subarray(src + row - c, src + row); // source column W - 1, replicated
    for (let x = x1; x < width; x++) img.set(right, dst + x * c);
  }
}

/**
 * Brightness b, contrast c (around the brightened image's mean grey m) and saturation s (around
 * each pixel's grey) composed into one affine map, clamped to [0, 1] once at the end:
 * out = c b (s x + (1 - s) grey(x)) + (1 - c) m, with m = b mean(grey(x)). Applies to the RGB
 * frame at channels `first`..`first + 2` of an image with `c` channels per pixel.
 */
function jitter(
  img: Float32Array,
  c: number,
  first: number,
  brightness: number,
  contrast: number,
  saturation: number,
): void {
  const n = img.length / c;
  const end = n * c;
  let sumGrey = 0;
  for (let i = first; i < end; i += c) sumGrey += 0.299 * img[i]! + 0.587 * img[i + 1]! + 0.114 * img[i + 2]!;
  const offset = (1 - contrast) * brightness * (sumGrey / n);
  const gain = contrast * brightness * saturation; // on the pixel itself
  const greyGain = contrast * brightness * (1 - saturation); // on its grey
  for (let i = first; i < end; i += c) {
    const r = img[i]!;
    const g = img[i + 1]!;
    const b = img[i + 2]!;
    const grey = (0.299 * r + 0.587 * g + 0.114 * b) * greyGain + offset;
    img[i] = Math.max(0, Math.min(1, r * gain + grey));
    img[i + 1] = Math.max(0, Math.min(1, g * gain + grey));
    img[i + 2] = Math.max(0, Math.min(1, b * gain + grey));
  }
}
