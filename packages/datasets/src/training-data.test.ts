import { existsSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDataConfig } from './data-config.js';
import { parseNormalizationStats } from './normalization.js';
import { writeSimFixture } from './test-sim-dataset.js';
import { prepareTrainingData } from './training-data.js';

const SO101 = '/work/shared/data/lerobot-v3-so101-record-test';
const fx = writeSimFixture({ episodeLengths: [6, 5, 7, 4, 6] });
afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));

describe('prepareTrainingData', () => {
  it('splits by episode, computes statistics on training episodes only, and batches', async () => {
    const cfg = parseDataConfig({ dir: fx.dir, chunkLength: 4, valFraction: 0.4 });
    const data = await prepareTrainingData(cfg, 3);
    expect(data.split.val).toHaveLength(2);
    expect(data.split.train).toHaveLength(3);
    const trainFrames = data.split.train.reduce((n, e) => n + e.length, 0);
    expect(data.stats.features.action!.count).toBe(trainFrames);
    const trainActions = data.split.train.flatMap((e) => fx.action.slice(e.start, e.start + e.length));
    const mean0 = trainActions.reduce((s, a) => s + a[0]!, 0) / trainActions.length;
    expect(data.stats.features.action!.mean[0]).toBeCloseTo(mean0, 10);
    // statistics are JSON and reload identically
    const reloaded = parseNormalizationStats(JSON.parse(JSON.stringify(data.stats)));
    expect(reloaded).toEqual(data.stats);

    const it1 = data.trainIterator(8);
    const b = it1.next();
    expect(b.images).toHaveLength(8 * 16 * 16 * 3);
    expect(b.actions).toHaveLength(8 * 4 * 2);
    const trainEps = new Set(data.split.train.map((e) => e.episodeIndex));
    for (const e of b.episodeIndices) expect(trainEps.has(e)).toBe(true);
    const val = [...data.valBatches(4)];
    expect(val.reduce((n, v) => n + v.size, 0)).toBe(data.split.val.reduce((n, e) => n + e.length, 0));
    // saved statistics are reused as given
    const again = await prepareTrainingData(cfg, 99, { stats: data.stats });
    expect(again.stats).toBe(data.stats);
  });

  it.runIf(existsSync(SO101))('trains state-only on the real SO-101 recording (videos absent)', async () => {
    const cfg = parseDataConfig({ dir: SO101, imageKey: null, valFraction: 0.25, chunkLength: 10 });
    const data = await prepareTrainingData(cfg, 0);
    expect(data.split.train).toHaveLength(3);
    expect(data.assembler.doneSource).toBe('episode-end');
    const b = data.trainIterator(64).next();
    expect([b.stateDim, b.actionDim, b.images.length]).toEqual([6, 6, 0]);
    expect(b.instructions[0]).toBe('Pick the orange cube and place it in the box');
    await expect(
      prepareTrainingData(parseDataConfig({ dir: SO101, imageKey: 'observation.images.top' }), 0),
    ).rejects.toThrow(/video feature "observation.images.top" has no video files on disk/);
  });
});
