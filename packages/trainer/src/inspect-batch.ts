import * as tf from '@tensorflow/tfjs';
import type { Pipeline, TensorMap } from '@vlakit/core';
import { pipelineFeeds } from './batch-policy.js';
import type { TrainingBatch } from './batch-source.js';

/**
 * Runs the pipeline with inspection outputs on the first `n` samples of a batch and returns the
 * stages' inspections (attention maps, keypoints, ...). Call it inside `tf.tidy` and keep what
 * you need.
 */
export function inspectFirstSamples(
  pipeline: Pipeline,
  batch: TrainingBatch,
  n: number,
): Readonly<Record<string, TensorMap>> {
  const { imageHeight: h, imageWidth: w } = batch;
  const c = batch.imageChannels ?? 3;
  const frame = h * w * c;
  const images = tf.tensor4d(batch.images.subarray(0, n * frame), [n, h, w, c]); // (n, H, W, C)
  const states = tf.tensor2d(batch.states.subarray(0, n * batch.stateDim), [n, batch.stateDim]); // (n, S)
  const feeds = pipelineFeeds(pipeline, images, batch.instructions.slice(0, n), states);
  return pipeline.run(feeds, { inspect: true }).inspections ?? {};
}

/** Sample `i`'s current frame (H, W, 3) in [0, 1]; with data.startFrame the first frame's channels are left out. */
export function sampleFrame(batch: TrainingBatch, i: number): Float32Array {
  const { imageHeight: h, imageWidth: w } = batch;
  const c = batch.imageChannels ?? 3;
  const image = batch.images.subarray(i * h * w * c, (i + 1) * h * w * c); // (H, W, C)
  if (c === 3) return image;
  const out = new Float32Array(h * w * 3); // (H, W, 3)
  for (let p = 0; p < h * w; p++) out.set(image.subarray(p * c, p * c + 3), p * 3);
  return out;
}
