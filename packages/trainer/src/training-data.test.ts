import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeLeRobotDataset } from '@vlakit/datasets';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { tempDir, testRegistry, tinyConfig } from './test-helpers.js';
import { train } from './trainer.js';
import type { GenerateDatasetFn } from './training-data.js';

/** A small LeRobot v3 dataset: 8x8 frames, a square that moves with the (constant) action. */
function writeTinyDataset(dir: string, episodes = 6, length = 7): void {
  const eps = Array.from({ length: episodes }, (_, e) => {
    const images: Uint8Array[] = [];
    const states = new Float32Array(length * 2);
    const actions = new Float32Array(length * 2);
    const done: boolean[] = [];
    for (let t = 0; t < length; t++) {
      const px = new Uint8Array(8 * 8 * 3).fill(90);
      const x = (e + t) % 8;
      for (let y = 0; y < 8; y++) px[(y * 8 + x) * 3] = 250;
      images.push(encode({ width: 8, height: 8, data: px, channels: 3, depth: 8 }));
      states.set([x / 8, e / episodes], t * 2);
      actions.set([0.01 * (e % 3), -0.02], t * 2);
      done.push(t === length - 1);
    }
    return {
      instruction: e % 2 ? 'red block' : 'blue block',
      images,
      states,
      actions,
      done,
      family: 'f',
      seed: e,
    };
  });
  writeLeRobotDataset(dir, eps, { imageShape: [8, 8, 3] });
}

const registry = testRegistry();

describe('training data from datasets', () => {
  it('trains on a LeRobot folder, saves its statistics, and resumes exactly', async () => {
    const ds = join(tempDir(), 'ds');
    writeTinyDataset(ds);
    const config = tinyConfig({
      data: { source: 'lerobot', dir: ds, chunkLength: 2, valFraction: 0.2 },
      training: { steps: 4, checkpointEvery: 100 },
    });
    const full = tempDir();
    await train(config, { outDir: full, registry });
    const norm = JSON.parse(readFileSync(join(full, 'normalization.json'), 'utf8'));
    expect(norm.action.mean[1]).toBeCloseTo(-0.02, 5); // every action's y is -0.02
    expect(JSON.parse(readFileSync(join(full, 'dataset-stats.json'), 'utf8')).features.action.mode).toBe(
      'MEAN_STD',
    );
    const cut = tempDir();
    await train(config, { outDir: cut, registry, stopAfterStep: 2 });
    await train(config, { outDir: cut, registry, resume: true });
    const model = (d: string) => readFileSync(join(d, 'checkpoints', 'step-4', 'model.safetensors'));
    expect(model(cut).equals(model(full))).toBe(true);
  });

  it('source tabletop generates once into the cache, then reuses it', async () => {
    const root = tempDir();
    const calls: Parameters<GenerateDatasetFn>[0][] = [];
    const generate: GenerateDatasetFn = async (o) => {
      calls.push(o);
      writeTinyDataset(o.dir);
    };
    const config = tinyConfig({
      data: { source: 'tabletop', chunkLength: 2, generate: { episodesPerFamily: 3, imageSize: 8 } },
      training: { steps: 1 },
    });
    const cacheDir = join(root, 'cache');
    await train(config, { outDir: join(root, 'a'), registry, cacheDir, generate });
    await train(config, { outDir: join(root, 'b'), registry, cacheDir, generate });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ episodesPerFamily: 3, imageSize: 8, blocks: 4, seed: 0 });
    expect(existsSync(join(calls[0]!.dir, 'meta', 'info.json'))).toBe(true);
    await expect(train(config, { outDir: join(root, 'c'), registry })).rejects.toThrow(/no generator/);
  });
});
