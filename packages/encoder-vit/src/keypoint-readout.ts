import * as tf from '@tensorflow/tfjs';
import { type DenseWeights, dense } from '@vlakit/core';
import { patchify } from './patch-embedding.js';

/*
 * Keypoint readout (the spatial soft-argmax of Levine et al. 2016, "End-to-end training of deep
 * visuomotor policies"): a per-pixel MLP scores every pixel for K keypoints, a softmax over the
 * pixels turns each score map into a distribution, and its expected pixel position is the
 * keypoint. The positions become K extra tokens (Fourier features of (u, v) -> dense, plus a
 * learned identity per keypoint) that go through the ViT blocks with the patch tokens.
 *
 *   image (B,H,W,3) -> cells of s x s pixels (B,h*w,s*s*3), h = H/s, w = W/s (s = stride)
 *   -> dense+ReLU (B,h*w,Hk) -> dense (B,h*w,K) -> logits (B,K,h,w)
 *   -> softmax over h*w -> (u, v) = E[column], E[row] in [-1, 1] -> (B,K,2)
 *   -> [u, v, sin(pi 2^f u)_f, sin(pi 2^f v)_f, cos(pi 2^f u)_f, cos(pi 2^f v)_f] (B,K,2+4F)
 *   -> dense (B,K,D) + identity (1,K,D)
 *
 * The expected positions are one product with the constant (h*w, 2) grid of cell centres and
 * the Fourier arguments one product with a constant (2, 2F) frequency matrix, so the readout adds
 * few kernel calls to a training step (each call costs tens of microseconds in tfjs's engine).
 *
 * Each cell's score sees only that cell's colours (no wider neighbourhood): enough for scenes
 * whose objects differ in colour, such as the tabletop's blocks and effector, and cheap (two
 * small matmuls per cell; stride 2 quarters the cost and the soft-argmax stays sub-cell).
 * Trained from the action loss alone the score maps rarely lock on; the trainer's
 * `keypointLoss` supervises them with the objects' true positions (docs/decisions.md).
 */

export interface KeypointWeights {
  readonly pixel1: DenseWeights;
  readonly pixel2: DenseWeights;
  readonly embed: DenseWeights;
  /** (1, K, D) */
  readonly identity: tf.Tensor;
}

export interface KeypointReadout {
  /** (B, K, D) keypoint tokens. */
  readonly tokens: tf.Tensor;
  /** (B, K, 2) expected (u, v) = (column, row) positions in [-1, 1], pixel centres. */
  readonly positions: tf.Tensor;
  /** (B, K, H/s, W/s) per-cell scores before the softmax. */
  readonly logits: tf.Tensor;
}

/** Pixel-centre coordinates in [-1, 1] along an axis of `n` pixels: (2i + 1) / n - 1. */
export function pixelCentres(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (2 * i + 1) / n - 1);
}

/** Width of the per-keypoint feature vector for `frequencies` Fourier octaves. */
export const keypointFeatureWidth = (frequencies: number): number => 2 + 4 * frequencies;

/** The (h*w, 2) cell-centre grid in row-major cell order: row i*w + j is (u_j, v_i). */
export function cellGrid(h: number, w: number): Float32Array {
  const u = pixelCentres(w);
  const v = pixelCentres(h);
  const grid = new Float32Array(h * w * 2);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      grid[(i * w + j) * 2] = u[j]!;
      grid[(i * w + j) * 2 + 1] = v[i]!;
    }
  return grid;
}

/**
 * Spatial soft-argmax: (B, K, H, W) scores -> (B, K, 2) expected (u, v) positions, u along
 * columns and v along rows, both in [-1, 1].
 */
export function spatialSoftArgmax(logits: tf.Tensor): tf.Tensor {
  const [b, k, h, w] = logits.shape as [number, number, number, number];
  const probs = tf.softmax(logits.reshape([b, k, h * w])); // (B, K, H*W)
  return dense(probs, { kernel: tf.tensor2d(cellGrid(h, w), [h * w, 2]) }); // (B, K, 2)
}

/** The (2, 2F) matrix whose product with (u, v) gives [pi 2^f u]_f then [pi 2^f v]_f. */
function frequencyMatrix(frequencies: number): tf.Tensor2D {
  const m = new Float32Array(2 * 2 * frequencies);
  for (let f = 0; f < frequencies; f++) {
    m[f] = Math.PI * 2 ** f; // row 0 (u), column f
    m[2 * frequencies + frequencies + f] = Math.PI * 2 ** f; // row 1 (v), column F + f
  }
  return tf.tensor2d(m, [2, 2 * frequencies]);
}

/** Runs the readout on a normalised image (B, H, W, 3) with score cells of stride x stride pixels. */
export function keypointReadout(
  image: tf.Tensor, // (B, H, W, 3)
  weights: KeypointWeights,
  frequencies: number,
  stride = 1,
): KeypointReadout {
  const [b, height, width, c] = image.shape as [number, number, number, number];
  const h = height / stride;
  const w = width / stride;
  const k = weights.pixel2.kernel.shape[1]!;
  const cells = stride === 1 ? image.reshape([b, h * w, c]) : patchify(image, stride); // (B, h*w, s*s*3)
  const hidden = tf.relu(dense(cells, weights.pixel1)); // (B, h*w, Hk)
  const scores = dense(hidden, weights.pixel2); // (B, h*w, K)
  const logits = scores.transpose([0, 2, 1]).reshape([b, k, h, w]); // (B, K, h, w)
  const positions = spatialSoftArgmax(logits); // (B, K, 2)
  let features = positions; // (B, K, 2)
  if (frequencies > 0) {
    const scaled = dense(positions, { kernel: frequencyMatrix(frequencies) }); // (B, K, 2F)
    features = tf.concat([positions, tf.sin(scaled), tf.cos(scaled)], 2); // (B, K, 2 + 4F)
  }
  const tokens = tf.add(dense(features, weights.embed), weights.identity); // (B, K, D)
  return { tokens, positions, logits };
}
