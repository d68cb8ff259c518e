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
  const frame = h * w * 3;
  const images = tf.tensor4d(batch.images.subarray(0, n * frame), [n, h, w, 3]); // (n, H, W, 3)
  const states = tf.tensor2d(batch.states.subarray(0, n * batch.stateDim), [n, batch.stateDim]); // (n, S)
  const feeds = pipelineFeeds(pipeline, images, batch.instructions.slice(0, n), states);
  return pipeline.run(feeds, { inspect: true }).inspections ?? {};
}
