/** Byte value -> [0, 1], the scaling of every image the network sees. */
export const U8_TO_UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/**
 * Writes F RGB frames ((H, W, 3) uint8 each) into `dst` (H, W, 3F) float32 in [0, 1], stacked per
 * pixel: frame 0's RGB, then frame 1's (`data.startFrame`: the current frame, then the episode's
 * first). Training batches and policy inputs both go through here, so they stack alike.
 */
export function stackFramesInto(dst: Float32Array, frames: readonly Uint8Array[], pixels: number): void {
  const c = 3 * frames.length;
  frames.forEach((frame, f) => {
    if (c === 3) {
      for (let i = 0; i < pixels * 3; i++) dst[i] = U8_TO_UNIT[frame[i]!]!;
      return;
    }
    for (let p = 0; p < pixels; p++)
      for (let k = 0; k < 3; k++) dst[p * c + 3 * f + k] = U8_TO_UNIT[frame[p * 3 + k]!]!;
  });
}
