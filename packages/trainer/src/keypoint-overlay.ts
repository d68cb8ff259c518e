import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type Pipeline, writeFileAtomic } from '@vlakit/core';
import type { TrainingBatch } from './batch-source.js';
import { inspectFirstSamples, sampleFrame } from './inspect-batch.js';
import type { RgbImage } from './line-plot.js';
import { encodePng } from './run-report.js';

/** Marker colours, one per keypoint (cycled). */
const MARKERS: ReadonlyArray<readonly [number, number, number]> = [
  [255, 255, 255],
  [255, 0, 255],
  [0, 255, 255],
  [255, 140, 0],
  [0, 0, 0],
  [160, 255, 60],
];

/**
 * Draws keypoints on a frame, each as a hollow square marker of its colour, upscaled `scale`
 * times so that markers stay visible on 64x64 frames.
 */
export function keypointOverlay(
  image: Float32Array, // (H, W, 3) in [0, 1]
  height: number,
  width: number,
  positions: ArrayLike<number>, // (K, 2) (u, v) in [-1, 1]
  scale = 4,
): RgbImage {
  const w = width * scale;
  const h = height * scale;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const src = (Math.floor(y / scale) * width + Math.floor(x / scale)) * 3;
      for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = Math.round(255 * image[src + c]!);
    }
  const r = Math.max(2, scale);
  for (let k = 0; k < positions.length / 2; k++) {
    const cx = Math.round(((positions[2 * k]! + 1) / 2) * w);
    const cy = Math.round(((positions[2 * k + 1]! + 1) / 2) * h);
    const colour = MARKERS[k % MARKERS.length]!;
    for (let y = cy - r; y <= cy + r; y++)
      for (let x = cx - r; x <= cx + r; x++) {
        const edge = Math.abs(y - cy) === r || Math.abs(x - cx) === r;
        if (!edge || x < 0 || y < 0 || x >= w || y >= h) continue;
        data.set(colour, (y * w + x) * 3);
      }
  }
  return { width: w, height: h, data };
}

/**
 * Writes report/keypoints-<stage>-<i>.png for the first `count` samples of a batch: the frame
 * with the keypoints of every stage that has a `keypoints` inspection output. Returns the files.
 */
export function writeKeypointOverlays(
  pipeline: Pipeline,
  batch: TrainingBatch,
  runDir: string,
  count = 4,
): string[] {
  const n = Math.min(count, batch.size);
  const { imageHeight: h, imageWidth: w } = batch;
  const found = tf.tidy(
    () =>
      Object.entries(inspectFirstSamples(pipeline, batch, n))
        .filter(([, ports]) => ports['keypoints']?.rank === 3)
        .map(([stage, ports]) => ({ stage, positions: tf.keep(ports['keypoints']!) })), // (n, K, 2)
  );
  const files: string[] = [];
  for (const { stage, positions } of found) {
    const values = positions.dataSync() as Float32Array;
    const per = values.length / n;
    for (let i = 0; i < n; i++) {
      const path = join(runDir, 'report', `keypoints-${stage}-${i}.png`);
      const image = keypointOverlay(sampleFrame(batch, i), h, w, values.subarray(i * per, (i + 1) * per));
      writeFileAtomic(path, encodePng(image));
      files.push(path);
    }
    positions.dispose();
  }
  return files;
}
