import { parseConfig, quote } from '@vlakit/core';
import { z } from 'zod';
import { datasetError } from './dataset-error.js';
import type { EpisodeDataset, EpisodeRecord } from './episode-dataset.js';

/** How a feature is mapped to network units. QUANTILES is not offered (stats.json quantiles are approximate). */
export const normalizationModeSchema = z.enum(['MEAN_STD', 'MIN_MAX', 'IDENTITY']);
export type NormalizationMode = z.output<typeof normalizationModeSchema>;

/**
 * A scale below this counts as zero: the dimension is constant in the training data, so its
 * divisor becomes 1 (the value is only centred) instead of blowing up.
 */
export const MIN_SCALE = 1e-6;

/** Statistics of one feature over the training frames, per dimension (population std). */
export const featureStatsSchema = z.strictObject({
  mode: normalizationModeSchema,
  mean: z.array(z.number()),
  std: z.array(z.number().nonnegative()),
  min: z.array(z.number()),
  max: z.array(z.number()),
  count: z.number().int().nonnegative(),
});
export type FeatureStats = z.output<typeof featureStatsSchema>;

/** Everything needed to normalise and unnormalise; plain JSON, saved with checkpoints and policy bundles. */
export const normalizationStatsSchema = z.strictObject({
  version: z.literal(1),
  features: z.record(z.string(), featureStatsSchema),
});
export type NormalizationStats = z.output<typeof normalizationStatsSchema>;

/** Validates statistics loaded from JSON (a checkpoint or bundle); `where` names the file. */
export function parseNormalizationStats(raw: unknown, where = 'normalization stats'): NormalizationStats {
  const stats = parseConfig(normalizationStatsSchema, raw, where);
  for (const [key, f] of Object.entries(stats.features)) {
    const d = f.mean.length;
    if (f.std.length !== d || f.min.length !== d || f.max.length !== d) {
      throw datasetError(`${where}: feature ${quote(key)} has mean/std/min/max of different lengths`, {
        key,
      });
    }
  }
  return stats;
}

/**
 * Mean, population std, min and max per dimension of a (N, dim) float32 feature over the frames of
 * `episodes` (accumulated in float64).
 */
export function computeFeatureStats(
  data: Float32Array,
  dim: number,
  episodes: readonly EpisodeRecord[],
  mode: NormalizationMode,
): FeatureStats {
  const sum = new Float64Array(dim);
  const min = new Array<number>(dim).fill(Number.POSITIVE_INFINITY);
  const max = new Array<number>(dim).fill(Number.NEGATIVE_INFINITY);
  let count = 0;
  for (const ep of episodes) {
    for (let i = ep.start; i < ep.start + ep.length; i++) {
      for (let j = 0; j < dim; j++) {
        const x = data[i * dim + j]!;
        sum[j]! += x;
        if (x < min[j]!) min[j] = x;
        if (x > max[j]!) max[j] = x;
      }
    }
    count += ep.length;
  }
  if (count === 0) throw datasetError('cannot compute normalisation statistics from zero frames');
  const mean = Array.from(sum, (s) => s / count);
  const sq = new Float64Array(dim);
  for (const ep of episodes) {
    for (let i = ep.start; i < ep.start + ep.length; i++) {
      for (let j = 0; j < dim; j++) {
        const d = data[i * dim + j]! - mean[j]!;
        sq[j]! += d * d;
      }
    }
  }
  return { mode, mean, std: Array.from(sq, (s) => Math.sqrt(s / count)), min, max, count };
}

/** Statistics of the named numeric features over the given (training) episodes. */
export function computeNormalizationStats(
  dataset: EpisodeDataset,
  episodes: readonly EpisodeRecord[],
  modes: Record<string, NormalizationMode>,
): NormalizationStats {
  const features: Record<string, FeatureStats> = {};
  for (const [key, mode] of Object.entries(modes)) {
    const f = dataset.getNumeric(key);
    features[key] = computeFeatureStats(f.data, f.dim, episodes, mode);
  }
  return { version: 1, features };
}

/** Per-dimension affine map x -> (x - offset) / scale for one feature. */
interface Affine {
  offset: Float32Array;
  scale: Float32Array;
}

function affineOf(key: string, f: FeatureStats): Affine {
  const d = f.mean.length;
  const offset = new Float32Array(d);
  const scale = new Float32Array(d).fill(1);
  for (let j = 0; j < d; j++) {
    if (f.mode === 'MEAN_STD') {
      offset[j] = f.mean[j]!;
      scale[j] = f.std[j]! < MIN_SCALE ? 1 : f.std[j]!;
    } else if (f.mode === 'MIN_MAX') {
      // maps [min, max] to [-1, 1], as LeRobot does
      const range = f.max[j]! - f.min[j]!;
      offset[j] = (f.max[j]! + f.min[j]!) / 2;
      scale[j] = range < MIN_SCALE ? 1 : range / 2;
    }
  }
  if (!Number.isFinite(offset.reduce((a, b) => a + b, 0))) {
    throw datasetError(`normalisation statistics of ${quote(key)} are not finite`, { key });
  }
  return { offset, scale };
}

/**
 * Applies saved statistics identically in training, evaluation and deployment. Arrays are
 * row-major with the feature dimension last, so (B, dim) and (B, T, dim) both work.
 */
export class Normalizer {
  private readonly maps = new Map<string, Affine>();

  constructor(readonly stats: NormalizationStats) {
    for (const [key, f] of Object.entries(stats.features)) this.maps.set(key, affineOf(key, f));
  }

  /** Number of dimensions of feature `key`. */
  dim(key: string): number {
    return this.map(key).offset.length;
  }

  /** Normalised copy of `values` ((..., dim) row-major), or in place with `out === values`. */
  normalize(
    key: string,
    values: Float32Array,
    out: Float32Array = new Float32Array(values.length),
  ): Float32Array {
    const { offset, scale } = this.map(key, values.length);
    const d = offset.length;
    for (let i = 0; i < values.length; i++) out[i] = (values[i]! - offset[i % d]!) / scale[i % d]!;
    return out;
  }

  /** Inverse of `normalize`. */
  unnormalize(
    key: string,
    values: Float32Array,
    out: Float32Array = new Float32Array(values.length),
  ): Float32Array {
    const { offset, scale } = this.map(key, values.length);
    const d = offset.length;
    for (let i = 0; i < values.length; i++) out[i] = values[i]! * scale[i % d]! + offset[i % d]!;
    return out;
  }

  /** The JSON-serialisable statistics. */
  toJSON(): NormalizationStats {
    return this.stats;
  }

  private map(key: string, length?: number): Affine {
    const m = this.maps.get(key);
    if (!m) {
      throw datasetError(
        `no normalisation statistics for ${quote(key)}; statistics exist for ${[...this.maps.keys()].join(', ') || '(none)'}`,
        { key },
      );
    }
    if (length !== undefined && length % m.offset.length !== 0) {
      throw datasetError(
        `cannot normalise ${quote(key)}: ${length} values is not a multiple of its ${m.offset.length} dimensions`,
        { key, length, dim: m.offset.length },
        { kind: 'shape' },
      );
    }
    return m;
  }
}
