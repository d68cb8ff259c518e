import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type Pipeline, writeFileAtomic } from '@vlakit/core';
import type { TrainingBatch } from './batch-source.js';
import { inspectFirstSamples, sampleFrame } from './inspect-batch.js';
import type { RgbImage } from './line-plot.js';
import { encodePng } from './run-report.js';

/**
 * Overlays a square grid of attention weights (g*g values, e.g. over ViT patches) on an image:
 * weights scaled to [0, 1], upsampled by nearest neighbour, blended in red over the frame.
 */
export function attentionOverlay(
  image: Float32Array, // (H, W, 3) in [0, 1]
  height: number,
  width: number,
  weights: Float32Array | readonly number[], // (g*g)
): RgbImage {
  const g = Math.round(Math.sqrt(weights.length));
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const w of weights) {
    lo = Math.min(lo, w);
    hi = Math.max(hi, w);
  }
  const span = hi - lo > 1e-12 ? hi - lo : 1;
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const cell =
        Math.min(g - 1, Math.floor((y * g) / height)) * g + Math.min(g - 1, Math.floor((x * g) / width));
      const a = (weights[cell]! - lo) / span;
      const i = (y * width + x) * 3;
      data[i] = Math.round(255 * ((1 - 0.6 * a) * image[i]! + 0.6 * a));
      data[i + 1] = Math.round(255 * (1 - 0.6 * a) * image[i + 1]!);
      data[i + 2] = Math.round(255 * (1 - 0.6 * a) * image[i + 2]!);
    }
  return { width, height, data };
}

/**
 * Runs the pipeline with inspection outputs on the first `count` samples of a batch and writes
 * report/attention-<stage>-<port>-<i>.png for every inspection whose last axis is a square grid
 * (averaged over heads and queries). Returns the files written.
 */
export function writeAttentionMaps(
  pipeline: Pipeline,
  batch: TrainingBatch,
  runDir: string,
  count = 4,
): string[] {
  const n = Math.min(count, batch.size);
  const { height: h, width: w } = { height: batch.imageHeight, width: batch.imageWidth };
  // only maps over the vision tokens (the last axis has the vision encoder's N, a square grid)
  const vision = [...pipeline.stages.values()].find((st) => st.kind === 'VisionEncoder');
  const tokens = vision?.outputs.find((p) => p.name === 'tokens')?.shape[1];
  if (typeof tokens !== 'number') return [];
  const maps: Array<{ name: string }> = [];
  const result = tf.tidy(() => {
    const inspections = inspectFirstSamples(pipeline, batch, n);
    const out: tf.Tensor[] = [];
    for (const [stage, ports] of Object.entries(inspections))
      for (const [port, t] of Object.entries(ports)) {
        const last = t.shape[t.shape.length - 1]!;
        // keys are the vision tokens, maybe plus one state key at the end; the vision tokens are
        // a square grid of patches, maybe after one class token
        if (t.rank < 2 || (last !== tokens && last !== tokens + 1)) continue;
        const square = (k: number) => Math.round(Math.sqrt(k)) ** 2 === k && k >= 4;
        const offset = square(tokens) ? 0 : square(tokens - 1) ? 1 : -1;
        if (offset < 0) continue;
        const patches = tokens - offset;
        const rows = t.rank === 2 ? t : t.reshape([n, -1, last]).mean(1); // (n, K)
        const mean = rows.slice([0, offset], [n, patches]); // (n, P)
        maps.push({ name: `${stage}-${port}` });
        out.push(mean);
      }
    return out;
  });
  const files: string[] = [];
  result.forEach((t, k) => {
    const values = t.dataSync() as Float32Array;
    const last = t.shape[1]!;
    for (let i = 0; i < n; i++) {
      const path = join(runDir, 'report', `attention-${maps[k]!.name}-${i}.png`);
      const overlay = attentionOverlay(
        sampleFrame(batch, i),
        h,
        w,
        values.subarray(i * last, (i + 1) * last),
      );
      writeFileAtomic(path, encodePng(overlay));
      files.push(path);
    }
  });
  tf.dispose(result);
  return files;
}
