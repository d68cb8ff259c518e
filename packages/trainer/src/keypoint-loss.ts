import * as tf from '@tensorflow/tfjs';
import { quote, VlakitError } from '@vlakit/core';
import type { TrainingBatch } from './batch-source.js';
import type { KeypointLossConfig } from './training-config.js';

/*
 * Auxiliary keypoint supervision: a stage with a keypoint readout (vit's `keypointLogits`
 * (B, K, H, W) score maps and `keypoints` (B, K, 2) soft-argmax positions) is pulled towards the
 * objects' true image positions, read from a dataset feature (the tabletop's
 * observation.environment_state). Two terms, averaged over samples and supervised keypoints:
 *
 * - KL(target || softmax(scores)), the target a Gaussian bump at the true position: 0 when a map
 *   is its target, with gradient (p - target) on every cell, so a map learns where its object is
 *   even while its softmax is still flat;
 * - positionWeight x the squared distance (in score-map cells) between the soft-argmax position
 *   and the true one: unbiased where the bump cannot be matched, e.g. the crescent block, whose
 *   reference point lies off its body.
 *
 * On the tabletop each term alone left one of the five maps unlocked after 300 steps (KL: the
 * crescent at 18 px mean error; position: the star at 14 px); together all five reach 0.3-1.7 px
 * (docs/benchmarks-trainer.md).
 */

export interface KeypointTargets {
  /** (B, J, H*W) target distributions, each summing to 1. */
  readonly maps: Float32Array;
  /** (B, J, 2) true positions as (u, v) = (column, row) in [-1, 1] across the map. */
  readonly positions: Float32Array;
  /** Mean entropy of the target distributions (subtracted so the loss is a KL divergence). */
  readonly entropy: number;
  readonly points: number;
}

/**
 * Target distributions for the first J = `config.points.length` keypoints of a batch. A point's
 * continuous image position (pixel i spans [i, i + 1)) is its feature value mapped linearly from
 * `rowRange`/`colRange` onto [0, H]/[0, W], moved by the sample's augmentation shift; the target
 * is a Gaussian of std `sigma` pixels over the pixel centres, normalised over the image.
 */
export function keypointTargets(
  batch: TrainingBatch,
  config: KeypointLossConfig,
  mapHeight: number,
  mapWidth: number,
): KeypointTargets {
  const feature = batch.auxiliary?.[config.feature];
  if (feature === undefined) {
    throw new VlakitError(
      'dataset',
      `training.keypointLoss reads ${quote(config.feature)} but the batches carry no such feature; use a dataset that records it (vla generate writes observation.environment_state)`,
    );
  }
  const { dim, data } = feature;
  const bad = config.points.flat().filter((i) => i >= dim);
  if (bad.length > 0) {
    throw new VlakitError(
      'config',
      `training.keypointLoss.points index ${bad.join(', ')} is outside ${quote(config.feature)}, which has ${dim} values per frame (indices 0..${dim - 1})`,
    );
  }
  const b = batch.size;
  const j = config.points.length;
  const hw = mapHeight * mapWidth;
  const maps = new Float32Array(b * j * hw); // (B, J, H*W)
  const positions = new Float32Array(b * j * 2); // (B, J, 2)
  const rowScale = mapHeight / (config.rowRange[1] - config.rowRange[0]);
  const colScale = mapWidth / (config.colRange[1] - config.colRange[0]);
  const rows = new Float64Array(mapHeight);
  const cols = new Float64Array(mapWidth);
  const twoVar = 2 * config.sigma ** 2;
  let entropy = 0;
  // a separable Gaussian: normalise each axis, then the outer product sums to 1
  const bump = (out: Float64Array, centre: number): number => {
    let sum = 0;
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.exp(-((i + 0.5 - centre) ** 2) / twoVar);
      sum += out[i]!;
    }
    let h = 0;
    for (let i = 0; i < out.length; i++) {
      out[i] = sum > 0 ? out[i]! / sum : 1 / out.length;
      if (out[i]! > 0) h -= out[i]! * Math.log(out[i]!);
    }
    return h;
  };
  for (let s = 0; s < b; s++) {
    const shiftRow = batch.shifts ? (batch.shifts[2 * s]! * mapHeight) / batch.imageHeight : 0;
    const shiftCol = batch.shifts ? (batch.shifts[2 * s + 1]! * mapWidth) / batch.imageWidth : 0;
    for (let p = 0; p < j; p++) {
      const [ri, ci] = config.points[p]!;
      const row = (data[s * dim + ri]! - config.rowRange[0]) * rowScale + shiftRow;
      const col = (data[s * dim + ci]! - config.colRange[0]) * colScale + shiftCol;
      entropy += bump(rows, row) + bump(cols, col);
      positions[(s * j + p) * 2] = (2 * col) / mapWidth - 1;
      positions[(s * j + p) * 2 + 1] = (2 * row) / mapHeight - 1;
      const base = (s * j + p) * hw;
      for (let y = 0; y < mapHeight; y++) {
        const ry = rows[y]!;
        for (let x = 0; x < mapWidth; x++) maps[base + y * mapWidth + x] = ry * cols[x]!;
      }
    }
  }
  return { maps, positions, entropy: entropy / (b * j), points: j };
}

export interface KeypointLossParts {
  /** KL + positionWeight x squared distance (cells). */
  readonly loss: tf.Scalar;
  /** The KL term alone. */
  readonly kl: tf.Scalar;
  /** Mean squared distance between predicted and true positions, in cells^2 (unweighted). */
  readonly squaredDistance: tf.Scalar;
  /** Mean distance between predicted and true positions, in score-map cells. */
  readonly error: tf.Scalar;
}

/** The keypoint loss of a batch and its mean position error. */
export function keypointLoss(
  logits: tf.Tensor, // (B, K, H, W)
  predicted: tf.Tensor, // (B, K, 2) soft-argmax (u, v) in [-1, 1]
  targets: KeypointTargets,
  positionWeight: number,
): KeypointLossParts {
  const [b, k, h, w] = logits.shape as [number, number, number, number];
  const j = targets.points;
  if (j > k) {
    throw new VlakitError(
      'config',
      `training.keypointLoss supervises ${j} points but the stage has ${k} keypoints; give it at least ${j} (vit option keypoints)`,
    );
  }
  if (predicted.rank !== 3 || predicted.shape[1] !== k || predicted.shape[2] !== 2) {
    throw new VlakitError(
      'shape',
      `keypoint positions have shape [${predicted.shape}]; expected [${b}, ${k}, 2] to match the score maps`,
    );
  }
  return tf.tidy(() => {
    const used = j === k ? logits : logits.slice([0, 0, 0, 0], [b, j, h, w]); // (B, J, H, W)
    const logProbs = tf.logSoftmax(used.reshape([b, j, h * w])); // (B, J, H*W)
    const target = tf.tensor3d(targets.maps, [b, j, h * w]); // (B, J, H*W)
    const crossEntropy = tf.div(tf.neg(tf.sum(tf.mul(target, logProbs))), b * j); // ()
    const kl = tf.sub(crossEntropy, targets.entropy); // ()
    const pred = j === k ? predicted : predicted.slice([0, 0, 0], [b, j, 2]); // (B, J, 2)
    // (u, v) differences in cells: u spans w cells over 2 units, v spans h
    const cells = tf.mul(
      tf.sub(pred, tf.tensor3d(targets.positions, [b, j, 2])),
      tf.tensor1d([w / 2, h / 2]),
    ); // (B, J, 2)
    const squared = tf.sum(tf.square(cells), 2); // (B, J)
    const squaredDistance = tf.mean(squared) as tf.Scalar;
    const loss = tf.add(kl, tf.mul(squaredDistance, positionWeight)) as tf.Scalar;
    const error = tf.mean(tf.sqrt(tf.add(squared, 1e-12))) as tf.Scalar;
    return { loss, kl: kl as tf.Scalar, squaredDistance, error };
  });
}
