import { deriveSeed, SeededRandom } from '@vlakit/core';
import { datasetError } from './dataset-error.js';
import type { EpisodeRecord } from './episode-dataset.js';

export interface EpisodeSplit {
  train: EpisodeRecord[];
  val: EpisodeRecord[];
}

/**
 * Splits episodes (never frames) into training and validation sets, seeded. With
 * `valFraction > 0` at least one episode goes to validation and at least one stays for training.
 */
export function splitEpisodes(
  episodes: readonly EpisodeRecord[],
  valFraction: number,
  seed: number,
): EpisodeSplit {
  if (!(valFraction >= 0 && valFraction < 1)) {
    throw datasetError(`valFraction (${valFraction}) must be in [0, 1)`, { valFraction }, { kind: 'config' });
  }
  if (episodes.length === 0) throw datasetError('cannot split a dataset with no episodes');
  let nVal = valFraction > 0 ? Math.max(1, Math.round(valFraction * episodes.length)) : 0;
  if (nVal >= episodes.length) {
    if (valFraction > 0 && episodes.length < 2) {
      throw datasetError(
        `valFraction (${valFraction}) asks for a validation episode but the dataset has only ${episodes.length} episode; use valFraction 0 or more episodes`,
        { valFraction, episodes: episodes.length },
        { kind: 'config' },
      );
    }
    nVal = episodes.length - 1;
  }
  const order = new SeededRandom(deriveSeed(seed, 'episode-split')).shuffle(episodes.map((_, i) => i));
  const valSet = new Set(order.slice(0, nVal));
  const train: EpisodeRecord[] = [];
  const val: EpisodeRecord[] = [];
  episodes.forEach((e, i) => (valSet.has(i) ? val : train).push(e));
  return { train, val };
}
