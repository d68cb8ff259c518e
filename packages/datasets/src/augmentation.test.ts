import { SeededRandom } from '@vlakit/core';
import { describe, expect, it } from 'vitest';
import { augmentationConfigSchema, augmentImages } from './augmentation.js';

const H = 12;
const W = 10;
/** Two images (B=2): a bright 2x2 square at (5, 4) on black; varied colours. */
function batch(): Float32Array {
  const out = new Float32Array(2 * H * W * 3); // (B, H, W, 3)
  for (let b = 0; b < 2; b++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const o = ((b * H + y) * W + x) * 3;
        const on = y >= 5 && y < 7 && x >= 4 && x < 6;
        out[o] = on ? 0.9 : 0.1 + 0.02 * x;
        out[o + 1] = on ? 0.2 : 0.3 + 0.01 * y;
        out[o + 2] = on ? 0.5 : 0.4;
      }
    }
  }
  return out;
}
const cfg = (over: object) => augmentationConfigSchema.parse(over);

/** Centre of mass of the red excess (R > 0.8) of image b. */
function squareCentre(img: Float32Array, b: number): [number, number] {
  let sy = 0;
  let sx = 0;
  let n = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (img[((b * H + y) * W + x) * 3]! > 0.8) {
        sy += y;
        sx += x;
        n++;
      }
    }
  }
  return [sy / n, sx / n];
}

describe('augmentImages', () => {
  it('is the identity when disabled', () => {
    const a = batch();
    augmentImages(a, 2, H, W, cfg({ enabled: false }), new SeededRandom(1));
    expect(a).toEqual(batch());
    const b = batch();
    augmentImages(
      b,
      2,
      H,
      W,
      cfg({ shift: 0, brightness: 0, contrast: 0, saturation: 0 }),
      new SeededRandom(1),
    );
    expect(b).toEqual(batch());
  });

  it('keeps the shape and [0, 1] range, and is deterministic under a seed', () => {
    const a = batch();
    const b = batch();
    augmentImages(a, 2, H, W, cfg({ brightness: 0.8, contrast: 0.8, saturation: 0.8 }), new SeededRandom(3));
    augmentImages(b, 2, H, W, cfg({ brightness: 0.8, contrast: 0.8, saturation: 0.8 }), new SeededRandom(3));
    expect(a).toHaveLength(2 * H * W * 3);
    expect(a).toEqual(b);
    expect(a).not.toEqual(batch());
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
    const c = batch();
    augmentImages(c, 2, H, W, cfg({ brightness: 0.8, contrast: 0.8, saturation: 0.8 }), new SeededRandom(4));
    expect(c).not.toEqual(a);
  });

  it('the shift really moves content, by at most k pixels, replicating edges', () => {
    const moves = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      const a = batch();
      augmentImages(
        a,
        2,
        H,
        W,
        cfg({ shift: 2, brightness: 0, contrast: 0, saturation: 0 }),
        new SeededRandom(seed),
      );
      for (let b = 0; b < 2; b++) {
        const [cy, cx] = squareCentre(a, b);
        const dy = cy - 5.5;
        const dx = cx - 4.5;
        expect(Math.abs(dy)).toBeLessThanOrEqual(2);
        expect(Math.abs(dx)).toBeLessThanOrEqual(2);
        expect(Number.isInteger(dy) && Number.isInteger(dx)).toBe(true);
        moves.add(`${dy},${dx}`);
        // edge replication: blue stays 0.4 everywhere outside the square (no black padding)
        for (let i = 0; i < H * W; i++) {
          const o = (b * H * W + i) * 3;
          if (a[o]! <= 0.8) expect(a[o + 2]).toBeCloseTo(0.4, 6);
        }
      }
    }
    expect(moves.size).toBeGreaterThan(3);
  });

  it("reports each sample's content displacement, so pixel targets can follow the shift", () => {
    for (let seed = 0; seed < 8; seed++) {
      const a = batch();
      const shifts = new Int32Array(4).fill(99);
      augmentImages(
        a,
        2,
        H,
        W,
        cfg({ shift: 2, brightness: 0.1, contrast: 0, saturation: 0 }),
        new SeededRandom(seed),
        shifts,
      );
      for (let b = 0; b < 2; b++) {
        const [cy, cx] = squareCentre(a, b);
        expect([shifts[2 * b], shifts[2 * b + 1]]).toEqual([cy - 5.5, cx - 4.5]);
      }
    }
  });

  it('stacked frames (6 channels) get the same shift as one image, and each frame its own jitter', () => {
    // frame 0 and frame 1 of each pixel side by side: channels 0-2 the batch image, 3-5 its negative
    const rgb = batch();
    const stacked = new Float32Array(2 * H * W * 6); // (B, H, W, 6)
    for (let p = 0; p < 2 * H * W; p++) {
      for (let c = 0; c < 3; c++) {
        stacked[p * 6 + c] = rgb[p * 3 + c]!;
        stacked[p * 6 + 3 + c] = 1 - rgb[p * 3 + c]!;
      }
    }
    const config = cfg({ shift: 2, brightness: 0.3, contrast: 0.3, saturation: 0.3 });
    const single = batch();
    const shifts3 = new Int32Array(4);
    const shifts6 = new Int32Array(4);
    augmentImages(single, 2, H, W, config, new SeededRandom(4), shifts3);
    augmentImages(stacked, 2, H, W, config, new SeededRandom(4), shifts6, 6);
    expect(shifts6).toEqual(shifts3);
    // frame 0 of the stack is exactly the 3-channel result: same draws, same shift, same jitter
    const first = new Float32Array(2 * H * W * 3);
    for (let p = 0; p < 2 * H * W; p++) first.set(stacked.subarray(p * 6, p * 6 + 3), p * 3);
    expect(first).toEqual(single);
    // frame 1 moved with it: its darkest spot (the negative of the bright square) sits where the square does
    for (let b = 0; b < 2; b++) {
      let best = [0, 0, 2];
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const v = stacked[((b * H + y) * W + x) * 6 + 3]!;
          if (v < best[2]!) best = [y, x, v];
        }
      const [cy, cx] = squareCentre(single, b);
      expect(Math.abs(best[0]! - cy)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(best[1]! - cx)).toBeLessThanOrEqual(0.5);
    }
    expect(() => augmentImages(stacked, 2, H, W, config, new SeededRandom(4), undefined, 4)).toThrow(
      /channels \(4\) must be a positive multiple of 3/,
    );
  });

  it('brightness scales pixel values', () => {
    const a = batch();
    augmentImages(
      a,
      2,
      H,
      W,
      cfg({ shift: 0, brightness: 0.5, contrast: 0, saturation: 0 }),
      new SeededRandom(9),
    );
    const ratio = a[1]! / batch()[1]!;
    expect(ratio).not.toBeCloseTo(1, 3);
    expect(a[2]! / batch()[2]!).toBeCloseTo(ratio, 5);
  });

  it('rejects invalid options', () => {
    expect(() => augmentationConfigSchema.parse({ shift: -1 })).toThrow();
    expect(() => augmentationConfigSchema.parse({ brightness: 2 })).toThrow();
    expect(() => augmentationConfigSchema.parse({ hue: 0.1 })).toThrow();
  });
});
