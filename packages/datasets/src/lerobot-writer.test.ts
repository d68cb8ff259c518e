import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VlakitError } from '@vlakit/core';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { type LeRobotEpisodeInput, writeLeRobotDataset } from './lerobot-writer.js';

function episode(t: number, instruction: string, base: number): LeRobotEpisodeInput {
  return {
    instruction,
    images: Array.from({ length: t }, (_, i) => new Uint8Array([137, 80, 78, 71, base, i])),
    states: Float32Array.from({ length: t * 2 }, (_, i) => base + i * 0.01),
    actions: Float32Array.from({ length: t * 2 }, (_, i) => (i % 2 === 0 ? 0.02 : -0.01)),
    done: Array.from({ length: t }, (_, i) => i >= t - 2),
    family: 'block2block',
    seed: 7 + base,
  };
}

function file(path: string): ArrayBuffer {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

describe('writeLeRobotDataset', () => {
  it('writes the LeRobot v3.0 layout that a parquet reader reads back exactly', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'lrw-')), 'ds');
    const summary = writeLeRobotDataset(
      root,
      [episode(3, 'push the red moon', 1), episode(4, 'move the star', 2)],
      {
        imageShape: [64, 64, 3],
        vlakit: { families: ['block2block'], blocks: 4, seed: 0, image_size: [64, 64] },
      },
    );
    expect(summary).toMatchObject({ episodes: 2, frames: 7, tasks: 2 });
    const info = JSON.parse(readFileSync(join(root, 'meta/info.json'), 'utf8'));
    expect(info).toMatchObject({
      codebase_version: 'v3.0',
      fps: 10,
      robot_type: 'vlakit-tabletop',
      total_episodes: 2,
      total_frames: 7,
      data_path: 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet',
      vlakit: { blocks: 4 },
    });
    expect(info.features['observation.image']).toEqual({
      dtype: 'image',
      shape: [64, 64, 3],
      names: ['height', 'width', 'channels'],
    });
    // raw BYTE_ARRAY columns come back as bytes with utf8: false (hyparquet decodes them as text by default)
    const data = await parquetReadObjects({
      file: file(join(root, 'data/chunk-000/file-000.parquet')),
      utf8: false,
    });
    expect(data).toHaveLength(7);
    expect(data[4]!['observation.image'].bytes).toEqual(new Uint8Array([137, 80, 78, 71, 2, 1]));
    expect(data[4]!['observation.image'].path).toBe('frame-000000004.png');
    expect(data[4]!['observation.state'][0]).toBeCloseTo(2.02, 5);
    expect(data[4]!.action).toEqual([Math.fround(0.02), Math.fround(-0.01)]);
    expect(data.map((r) => r['next.done'])).toEqual([false, true, true, false, false, true, true]);
    expect(data.map((r) => Number(r.index))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(data.map((r) => Number(r.episode_index))).toEqual([0, 0, 0, 1, 1, 1, 1]);
    expect(data[5]!.timestamp).toBeCloseTo(0.2, 6);
    const tasks = await parquetReadObjects({ file: file(join(root, 'meta/tasks.parquet')) });
    expect(tasks).toEqual([
      { task_index: 0n, __index_level_0__: 'push the red moon' },
      { task_index: 1n, __index_level_0__: 'move the star' },
    ]);
    const eps = await parquetReadObjects({
      file: file(join(root, 'meta/episodes/chunk-000/file-000.parquet')),
    });
    expect(eps[1]).toMatchObject({
      episode_index: 1n,
      tasks: ['move the star'],
      length: 4n,
      dataset_from_index: 3n,
      dataset_to_index: 7n,
      family: 'block2block',
      seed: 9n,
    });
    const stats = JSON.parse(readFileSync(join(root, 'meta/stats.json'), 'utf8'));
    expect(stats['observation.image']).toBeUndefined(); // only when every episode has imageStats
    expect(stats.action.mean[0]).toBeCloseTo(0.02, 6);
    expect(stats.action.count).toEqual([7]);
    expect(stats['observation.state'].max[1]).toBeCloseTo(2.07, 5);
    const schema = parquetMetadata(file(join(root, 'data/chunk-000/file-000.parquet'))).schema.map(
      (s) => s.name,
    );
    expect(schema).toContain('observation.image');
  });

  it('writes LeRobot image statistics (per channel, shape [3, 1, 1]) from per-episode sums', () => {
    const root = join(mkdtempSync(join(tmpdir(), 'lrw-')), 'ds');
    const withStats = (base: number): LeRobotEpisodeInput => ({
      ...episode(2, 'x', base),
      // 2 pixels per channel: values 0.2 and 0.6 in red, 0.5 everywhere else
      imageStats: {
        sum: [0.8, 1, 1],
        sumSq: [0.4, 0.5, 0.5],
        min: [0.2, 0.5, 0.5],
        max: [0.6, 0.5, 0.5],
        count: 2,
      },
    });
    writeLeRobotDataset(root, [withStats(1), withStats(2)], { imageShape: [8, 8, 3] });
    const stats = JSON.parse(readFileSync(join(root, 'meta/stats.json'), 'utf8'));
    const img = stats['observation.image'];
    expect(img.mean[0][0][0]).toBeCloseTo(0.4, 9);
    expect(img.std[0][0][0]).toBeCloseTo(0.2, 9);
    expect(img.min).toEqual([[[0.2]], [[0.5]], [[0.5]]]);
    expect(img.max[1]).toEqual([[0.5]]);
    expect(img.count).toEqual([4]);
  });

  it('rejects bad episodes and an existing target, leaving no temporary folder behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lrw-'));
    const bad = { ...episode(3, 'x', 1), actions: new Float32Array(5) };
    expect(() => writeLeRobotDataset(join(dir, 'a'), [bad], { imageShape: [8, 8, 3] })).toThrow(
      /episode 0: actions has 5 values, expected 3 frames x 2/,
    );
    writeLeRobotDataset(join(dir, 'b'), [episode(2, 'y', 1)], { imageShape: [8, 8, 3] });
    try {
      writeLeRobotDataset(join(dir, 'b'), [episode(2, 'y', 1)], { imageShape: [8, 8, 3] });
      expect.unreachable();
    } catch (e) {
      expect(VlakitError.isInstance(e, 'dataset')).toBe(true);
      expect((e as Error).message).toContain('already exists');
    }
    writeLeRobotDataset(join(dir, 'b'), [episode(3, 'z', 1)], { imageShape: [8, 8, 3], overwrite: true });
    expect(JSON.parse(readFileSync(join(dir, 'b/meta/info.json'), 'utf8')).total_frames).toBe(3);
    expect(readdirSync(dir).sort()).toEqual(['b']);
  });

  it('writes observation.environment_state (column, feature, stats) when its names are given', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'lrw-')), 'ds');
    const withEnv = (t: number, base: number): LeRobotEpisodeInput => ({
      ...episode(t, `task ${base}`, base),
      environmentState: Float32Array.from({ length: t * 3 }, (_, i) => base * 10 + i),
    });
    writeLeRobotDataset(root, [withEnv(2, 1), withEnv(3, 2)], {
      imageShape: [8, 8, 3],
      environmentStateNames: ['a', 'b', 'c'],
    });
    const info = JSON.parse(readFileSync(join(root, 'meta/info.json'), 'utf8'));
    expect(info.features['observation.environment_state']).toEqual({
      dtype: 'float32',
      shape: [3],
      names: ['a', 'b', 'c'],
    });
    const data = await parquetReadObjects({ file: file(join(root, 'data/chunk-000/file-000.parquet')) });
    expect(data.map((r) => r['observation.environment_state'])).toEqual([
      [10, 11, 12],
      [13, 14, 15],
      [20, 21, 22],
      [23, 24, 25],
      [26, 27, 28],
    ]);
    const stats = JSON.parse(readFileSync(join(root, 'meta/stats.json'), 'utf8'));
    expect(stats['observation.environment_state'].min).toEqual([10, 11, 12]);
    expect(stats['observation.environment_state'].max).toEqual([26, 27, 28]);
    expect(stats['observation.environment_state'].mean[0]).toBeCloseTo((10 + 13 + 20 + 23 + 26) / 5, 5);
    // without the names the column is not written, even when episodes carry it
    const plain = join(mkdtempSync(join(tmpdir(), 'lrw-')), 'ds');
    writeLeRobotDataset(plain, [withEnv(2, 1)], { imageShape: [8, 8, 3] });
    expect(JSON.parse(readFileSync(join(plain, 'meta/info.json'), 'utf8')).features).not.toHaveProperty(
      'observation.environment_state',
    );
    // names given but an episode lacks the values, or has the wrong count: a clear error
    const dir = mkdtempSync(join(tmpdir(), 'lrw-'));
    expect(() =>
      writeLeRobotDataset(join(dir, 'x'), [episode(2, 'y', 1)], {
        imageShape: [8, 8, 3],
        environmentStateNames: ['a'],
      }),
    ).toThrow(/episode 0: environmentState has no values, expected 2 frames x 1/);
    expect(() =>
      writeLeRobotDataset(join(dir, 'x'), [withEnv(2, 1)], {
        imageShape: [8, 8, 3],
        environmentStateNames: ['a', 'b'],
      }),
    ).toThrow(/episode 0: environmentState has 6 values, expected 2 frames x 2/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
