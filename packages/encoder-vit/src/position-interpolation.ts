/*
 * Resizes a grid of position embeddings (gh, gw, D) to (oh, ow, D) exactly as PyTorch's
 * F.interpolate(mode='bicubic' | 'bilinear', align_corners=False) does, which is what Hugging
 * Face's ViT `interpolate_pos_encoding` uses (bicubic, `size=` form): half-pixel centres,
 * cubic convolution with A = -0.75 and border replication; bilinear clamps negative sources to 0.
 */

const A = -0.75;
const cubic1 = (x: number): number => ((A + 2) * x - (A + 3)) * x * x + 1; // |x| <= 1
const cubic2 = (x: number): number => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; // 1 < |x| < 2

/** For one output index: source indices and weights along one axis. */
function taps(
  mode: 'bicubic' | 'bilinear',
  inSize: number,
  outSize: number,
  o: number,
): [number[], number[]] {
  const scale = inSize / outSize;
  const src = scale * (o + 0.5) - 0.5;
  const clamp = (i: number): number => Math.min(Math.max(i, 0), inSize - 1);
  if (mode === 'bilinear') {
    const s = Math.max(src, 0);
    const i0 = Math.floor(s);
    const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
    const l1 = s - i0;
    return [
      [i0, i1],
      [1 - l1, l1],
    ];
  }
  const i = Math.floor(src);
  const t = src - i;
  return [
    [clamp(i - 1), clamp(i), clamp(i + 1), clamp(i + 2)],
    [cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t)],
  ];
}

export function interpolatePositionGrid(
  grid: Float32Array,
  inH: number,
  inW: number,
  dim: number,
  outH: number,
  outW: number,
  mode: 'bicubic' | 'bilinear',
): Float32Array {
  const out = new Float32Array(outH * outW * dim);
  for (let oy = 0; oy < outH; oy++) {
    const [ys, wy] = taps(mode, inH, outH, oy);
    for (let ox = 0; ox < outW; ox++) {
      const [xs, wx] = taps(mode, inW, outW, ox);
      const base = (oy * outW + ox) * dim;
      for (let a = 0; a < ys.length; a++)
        for (let b = 0; b < xs.length; b++) {
          const w = wy[a]! * wx[b]!;
          const src = (ys[a]! * inW + xs[b]!) * dim;
          for (let d = 0; d < dim; d++) out[base + d]! += w * grid[src + d]!;
        }
    }
  }
  return out;
}
