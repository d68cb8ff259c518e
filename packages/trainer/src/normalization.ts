import { quote, VlakitError } from '@vlakit/core';
import type { FeatureStats, NormalizationStats } from './batch-source.js';

/** Smallest std used when dividing (a constant feature stays finite). */
export const MIN_STD = 1e-6;

/** Mean and std per dimension of `rows` (N, D) row-major. */
export function computeStats(values: Float32Array | readonly number[], dim: number): FeatureStats {
  const n = values.length / dim;
  if (!Number.isInteger(n) || n < 1) {
    throw new VlakitError(
      'dataset',
      `cannot compute statistics: ${values.length} values is not a multiple of ${dim} (or empty)`,
    );
  }
  const mean = new Array<number>(dim).fill(0);
  const sq = new Array<number>(dim).fill(0);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d]! += values[i * dim + d]! / n;
  for (let i = 0; i < n; i++)
    for (let d = 0; d < dim; d++) sq[d]! += (values[i * dim + d]! - mean[d]!) ** 2 / n;
  return { mean, std: sq.map((s) => Math.max(Math.sqrt(s), MIN_STD)) };
}

/** (x - mean) / std per dimension, in place on a copy. */
export function normalize(values: Float32Array, stats: FeatureStats): Float32Array {
  const dim = stats.mean.length;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++)
    out[i] = (values[i]! - stats.mean[i % dim]!) / Math.max(stats.std[i % dim]!, MIN_STD);
  return out;
}

/** x * std + mean per dimension. */
export function unnormalize(values: Float32Array, stats: FeatureStats): Float32Array {
  const dim = stats.mean.length;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++)
    out[i] = values[i]! * Math.max(stats.std[i % dim]!, MIN_STD) + stats.mean[i % dim]!;
  return out;
}

/** Checks a parsed normalisation file. */
export function checkNormalization(raw: unknown, source: string): NormalizationStats {
  const ok = (f: unknown): f is FeatureStats =>
    typeof f === 'object' &&
    f !== null &&
    Array.isArray((f as FeatureStats).mean) &&
    Array.isArray((f as FeatureStats).std) &&
    (f as FeatureStats).mean.length === (f as FeatureStats).std.length &&
    [...(f as FeatureStats).mean, ...(f as FeatureStats).std].every(Number.isFinite);
  const r = raw as Partial<NormalizationStats> | null;
  if (typeof r !== 'object' || r === null || !ok(r.action) || !ok(r.state)) {
    throw new VlakitError(
      'checkpoint',
      `${source}: normalisation statistics ${quote(raw)} must be {action: {mean, std}, state: {mean, std}} with equal-length finite arrays`,
    );
  }
  return { action: r.action, state: r.state };
}
