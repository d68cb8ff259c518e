import { VlakitError } from '@vlakit/core';
import { describe, expect, it } from 'vitest';
import type { EpisodeRecord } from './episode-dataset.js';
import {
  computeFeatureStats,
  MIN_SCALE,
  type NormalizationStats,
  Normalizer,
  parseNormalizationStats,
} from './normalization.js';

const episodes: EpisodeRecord[] = [
  { episodeIndex: 0, start: 0, length: 2, task: 'a' },
  { episodeIndex: 1, start: 2, length: 2, task: 'b' },
];
// (N=4, dim=2): dim 0 varies, dim 1 is constant
const data = Float32Array.from([1, 5, 3, 5, 5, 5, 7, 5]);

describe('computeFeatureStats', () => {
  it('computes mean, population std, min, max over the given episodes only', () => {
    const s = computeFeatureStats(data, 2, episodes, 'MEAN_STD');
    expect(s.mean).toEqual([4, 5]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(5), 12); // population: ((9+1+1+9)/4)
    expect(s.std[1]).toBe(0);
    expect(s.min).toEqual([1, 5]);
    expect(s.max).toEqual([7, 5]);
    expect(s.count).toBe(4);
    const first = computeFeatureStats(data, 2, episodes.slice(0, 1), 'MEAN_STD');
    expect(first.mean).toEqual([2, 5]);
    expect(first.count).toBe(2);
  });

  it('refuses zero frames', () => {
    expect(() => computeFeatureStats(data, 2, [], 'MEAN_STD')).toThrow(/zero frames/);
  });
});

describe('Normalizer', () => {
  const stats = (mode: 'MEAN_STD' | 'MIN_MAX' | 'IDENTITY'): NormalizationStats => ({
    version: 1,
    features: { action: computeFeatureStats(data, 2, episodes, mode) },
  });

  it('MEAN_STD gives zero mean and unit std; a constant dimension is only centred', () => {
    const n = new Normalizer(stats('MEAN_STD'));
    const z = n.normalize('action', data);
    const d0 = [z[0]!, z[2]!, z[4]!, z[6]!];
    expect(d0.reduce((a, b) => a + b) / 4).toBeCloseTo(0, 6);
    expect(Math.sqrt(d0.reduce((a, b) => a + b * b, 0) / 4)).toBeCloseTo(1, 6);
    expect([z[1], z[3], z[5], z[7]]).toEqual([0, 0, 0, 0]);
    expect(Array.from(z).every(Number.isFinite)).toBe(true);
  });

  it('MIN_MAX maps [min, max] to [-1, 1]', () => {
    const z = new Normalizer(stats('MIN_MAX')).normalize('action', data);
    expect(z[0]).toBe(-1);
    expect(z[6]).toBe(1);
    expect(z[2]).toBeCloseTo(-1 / 3, 6);
    expect(z[1]).toBe(0);
  });

  it('IDENTITY leaves values unchanged', () => {
    expect(new Normalizer(stats('IDENTITY')).normalize('action', data)).toEqual(data);
  });

  for (const mode of ['MEAN_STD', 'MIN_MAX', 'IDENTITY'] as const) {
    it(`${mode}: unnormalize inverts normalize, on (B, T, A) arrays too, after a JSON round trip`, () => {
      const json = JSON.parse(JSON.stringify(new Normalizer(stats(mode))));
      const n = new Normalizer(parseNormalizationStats(json, 'bundle/stats.json'));
      const chunk = Float32Array.from({ length: 3 * 4 * 2 }, (_, i) => Math.sin(i) * 4); // (B=3, T=4, A=2)
      const back = n.unnormalize('action', n.normalize('action', chunk));
      for (let i = 0; i < chunk.length; i++) expect(back[i]).toBeCloseTo(chunk[i]!, 5);
    });
  }

  it('guards a tiny std', () => {
    const s = stats('MEAN_STD');
    s.features.action!.std = [MIN_SCALE / 10, 2];
    const z = new Normalizer(s).normalize('action', Float32Array.from([4 + 1e-3, 7]));
    expect(z[0]).toBeCloseTo(1e-3, 6);
    expect(z[1]).toBeCloseTo(1, 6);
  });

  it('errors: unknown feature, wrong length, invalid JSON', () => {
    const n = new Normalizer(stats('MEAN_STD'));
    expect(() => n.normalize('state', data)).toThrow(
      /no normalisation statistics for "state"; statistics exist for action/,
    );
    try {
      n.normalize('action', new Float32Array(3));
      expect.unreachable();
    } catch (e) {
      expect(VlakitError.isInstance(e, 'shape')).toBe(true);
      expect((e as Error).message).toMatch(/3 values is not a multiple of its 2 dimensions/);
    }
    expect(() => parseNormalizationStats({ version: 2, features: {} }, 'ckpt/stats.json')).toThrow(
      /ckpt\/stats\.json\.version \(2\)/,
    );
    const bad = JSON.parse(JSON.stringify(stats('MEAN_STD')));
    bad.features.action.std = [1];
    expect(() => parseNormalizationStats(bad)).toThrow(/mean\/std\/min\/max of different lengths/);
  });
});
