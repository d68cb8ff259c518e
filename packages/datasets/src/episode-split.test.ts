import { describe, expect, it } from 'vitest';
import type { EpisodeRecord } from './episode-dataset.js';
import { splitEpisodes } from './episode-split.js';

const eps = (n: number): EpisodeRecord[] =>
  Array.from({ length: n }, (_, i) => ({ episodeIndex: i, start: i * 10, length: 10, task: 't' }));

describe('splitEpisodes', () => {
  it('splits whole episodes, seeded and disjoint', () => {
    const a = splitEpisodes(eps(20), 0.2, 7);
    expect(a.val).toHaveLength(4);
    expect(a.train).toHaveLength(16);
    const all = [...a.train, ...a.val].map((e) => e.episodeIndex).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(splitEpisodes(eps(20), 0.2, 7)).toEqual(a);
    const others = [1, 2, 3, 4, 5].map((s) =>
      splitEpisodes(eps(20), 0.2, s)
        .val.map((e) => e.episodeIndex)
        .join(),
    );
    expect(new Set(others).size).toBeGreaterThan(1);
  });

  it('keeps at least one episode on each side', () => {
    expect(splitEpisodes(eps(3), 0.01, 0).val).toHaveLength(1);
    expect(splitEpisodes(eps(2), 0.9, 0).train).toHaveLength(1);
    expect(splitEpisodes(eps(1), 0, 0).train).toHaveLength(1);
  });

  it('errors on bad fractions and too few episodes', () => {
    expect(() => splitEpisodes(eps(4), 1, 0)).toThrow(/valFraction \(1\) must be in \[0, 1\)/);
    expect(() => splitEpisodes(eps(1), 0.1, 0)).toThrow(/only 1 episode/);
    expect(() => splitEpisodes([], 0, 0)).toThrow(/no episodes/);
  });
});
