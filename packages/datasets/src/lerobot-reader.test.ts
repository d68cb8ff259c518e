import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VlakitError } from '@vlakit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { compressFrame, imageFrame } from './compressed-frames.js';
import { openLeRobotDataset } from './lerobot-reader.js';
import { computeFeatureStats } from './normalization.js';
import { writeSimFixture } from './test-sim-dataset.js';

const REAL = '/work/shared/data/lerobot-v3-so101-record-test';
const realDir = new URL('../../../../../shared/data/lerobot-v3-so101-record-test', import.meta.url).pathname;
const SO101 = [REAL, realDir].find((d) => {
  try {
    readFileSync(join(d, 'meta', 'info.json'));
    return true;
  } catch {
    return false;
  }
});

const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
function fixture(...args: Parameters<typeof writeSimFixture>) {
  const fx = writeSimFixture(...args);
  temps.push(fx.dir);
  return fx;
}
function copyOfReal(): string {
  const d = mkdtempSync(join(tmpdir(), 'vlakit-so101-'));
  temps.push(d);
  cpSync(SO101!, d, { recursive: true });
  return d;
}
async function rejection(p: Promise<unknown>): Promise<VlakitError> {
  try {
    await p;
  } catch (e) {
    if (VlakitError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe.runIf(SO101)('openLeRobotDataset on the real SO-101 recording', () => {
  const oracle = SO101 ? JSON.parse(readFileSync(join(SO101, 'oracle_values.json'), 'utf8')) : {};
  const stats = SO101 ? JSON.parse(readFileSync(join(SO101, 'meta', 'stats.json'), 'utf8')) : {};

  it('reads frame counts per episode, the task, and reports the absent videos', async () => {
    const ds = await openLeRobotDataset(SO101!);
    expect(ds.numFrames).toBe(oracle.total_frames);
    expect(ds.episodes.map((e) => e.length)).toEqual(oracle.frames_per_episode);
    expect(ds.episodes.map((e) => e.task)).toEqual(oracle.frames_per_episode.map(() => oracle.task));
    expect(ds.instruction(100)).toBe(oracle.task);
    expect([...ds.missingVideoFeatures].sort()).toEqual([
      'observation.images.front',
      'observation.images.top',
    ]);
    expect(ds.getNumeric('action').dim).toBe(6);
    expect(ds.getNumeric('observation.state').dim).toBe(6);
    expect(ds.fps).toBe(30);
    const err = (() => {
      try {
        ds.getImages('observation.images.front');
      } catch (e) {
        return e as VlakitError;
      }
    })();
    expect(err?.kind).toBe('dataset');
    expect(err?.message).toMatch(/observation\.images\.front.*no video files/);
  });

  it('action mean and population std match the oracle (rtol 1e-4), min/max equal meta/stats.json', async () => {
    const ds = await openLeRobotDataset(SO101!);
    const a = ds.getNumeric('action');
    const s = computeFeatureStats(a.data, a.dim, ds.episodes, 'MEAN_STD');
    for (let j = 0; j < 6; j++) {
      const m = oracle.action_mean_computed[j];
      const sd = oracle.action_std_computed_population[j];
      expect(Math.abs(s.mean[j]! - m) / Math.abs(m)).toBeLessThan(1e-4);
      expect(Math.abs(s.std[j]! - sd) / Math.abs(sd)).toBeLessThan(1e-4);
    }
    expect(s.min).toEqual(stats.action.min);
    expect(s.max).toEqual(stats.action.max);
    const st = ds.getNumeric('observation.state');
    const ss = computeFeatureStats(st.data, st.dim, ds.episodes, 'MEAN_STD');
    expect(ss.min).toEqual(stats['observation.state'].min);
    expect(ss.max).toEqual(stats['observation.state'].max);
    expect(ds.statsJson?.action?.count).toEqual([oracle.total_frames]);
  });

  it('frames are in episode order and frame_index order', async () => {
    const ds = await openLeRobotDataset(SO101!);
    const fi = ds.getNumeric('frame_index').data;
    const ei = ds.getNumeric('episode_index').data;
    const wrong: string[] = [];
    for (const e of ds.episodes) {
      for (let t = 0; t < e.length; t++) {
        if (fi[e.start + t] !== t || ei[e.start + t] !== e.episodeIndex) wrong.push(`${e.episodeIndex}:${t}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('wrong codebase_version is refused naming the file and field', async () => {
    const d = copyOfReal();
    const p = join(d, 'meta', 'info.json');
    writeFileSync(p, readFileSync(p, 'utf8').replace('"v3.0"', '"v2.1"'));
    const e = await rejection(openLeRobotDataset(d));
    expect(e.message).toContain('meta/info.json');
    expect(e.message).toMatch(/codebase_version "v2\.1" is not supported \(expected "v3\.0"/);
  });

  it('a missing data file is named', async () => {
    const d = copyOfReal();
    rmSync(join(d, 'data', 'chunk-000', 'file-000.parquet'));
    const e = await rejection(openLeRobotDataset(d));
    expect(e.message).toMatch(/data file data\/chunk-000\/file-000\.parquet .*is missing/);
  });

  it('total_frames disagreeing with the data is an error', async () => {
    const d = copyOfReal();
    const p = join(d, 'meta', 'info.json');
    writeFileSync(p, readFileSync(p, 'utf8').replace('"total_frames": 1492', '"total_frames": 1500'));
    const e = await rejection(openLeRobotDataset(d));
    expect(e.message).toMatch(/total_frames is 1500 but the data files hold 1492 rows/);
  });

  it('a feature shape that disagrees with the data names feature, episode and frame', async () => {
    const d = copyOfReal();
    const p = join(d, 'meta', 'info.json');
    const info = JSON.parse(readFileSync(p, 'utf8'));
    info.features.action.shape = [7];
    writeFileSync(p, JSON.stringify(info));
    const e = await rejection(openLeRobotDataset(d));
    expect(e.kind).toBe('shape');
    expect(e.message).toMatch(/feature "action" at episode 0 frame 0 has 6 values, expected shape \[7\]/);
  });
});

describe('openLeRobotDataset on the simulator layout', () => {
  it("imageMemory 'compressed' keeps each frame deflated and gives back the same pixels", async () => {
    const fx = fixture({ episodeLengths: [5, 7, 4] });
    const ds = await openLeRobotDataset(fx.dir, { imageMemory: 'compressed' });
    const img = ds.getImages('observation.image');
    expect(img.data).toBeUndefined();
    expect(img.compressed).toHaveLength(16);
    for (let f = 0; f < 16; f++) {
      expect(imageFrame(img, f)).toEqual(fx.pixels[f]);
      const bytes = img.compressed![f]!;
      expect([bytes.byteOffset, bytes.buffer.byteLength]).toEqual([0, bytes.length]);
    }
    // bytes that do not inflate to a frame of the feature's size are refused by name
    const broken = { ...img, compressed: [compressFrame(new Uint8Array(10))] };
    expect(() => imageFrame(broken, 0)).toThrow(
      /"observation.image" frame 0 inflates to 10 bytes, expected 16x16x3 = 768/,
    );
    expect(() => imageFrame(broken, 3)).toThrow(/has no frame 3/);
  });

  for (const imageLayout of ['struct', 'binary', 'json'] as const) {
    it(`decodes PNG images stored as ${imageLayout}, states, actions, done and tasks`, async () => {
      const fx = fixture({ imageLayout, episodeLengths: [5, 7, 4], episodesPerFile: 2 });
      const ds = await openLeRobotDataset(fx.dir);
      expect(ds.numFrames).toBe(16);
      expect(ds.episodes.map((e) => [e.episodeIndex, e.start, e.length])).toEqual([
        [0, 0, 5],
        [1, 5, 7],
        [2, 12, 4],
      ]);
      const img = ds.getImages('observation.image');
      expect([img.height, img.width]).toEqual([16, 16]);
      for (let f = 0; f < 16; f++) {
        expect(img.data!.subarray(f * 768, (f + 1) * 768)).toEqual(fx.pixels[f]);
        expect(Array.from(ds.getNumeric('observation.state').data.subarray(f * 2, f * 2 + 2))).toEqual(
          fx.state[f],
        );
        expect(Array.from(ds.getNumeric('action').data.subarray(f * 2, f * 2 + 2))).toEqual(fx.action[f]);
        expect(ds.getNumeric('next.done').data[f]).toBe(fx.done[f] ? 1 : 0);
        expect(ds.instruction(f)).toBe(fx.taskOfEpisode[fx.episodeOfFrame[f]!]);
      }
      expect(ds.missingVideoFeatures).toEqual([]);
    });
  }

  it('reports decode progress', async () => {
    const fx = fixture();
    const events: number[] = [];
    await openLeRobotDataset(fx.dir, { onProgress: (e) => e.stage === 'decode' && events.push(e.done) });
    expect(events.at(-1)).toBe(16);
  });

  it('decodeImages: false skips images', async () => {
    const fx = fixture();
    const ds = await openLeRobotDataset(fx.dir, { decodeImages: false });
    expect(ds.hasImages('observation.image')).toBe(false);
    expect(() => ds.getImages('observation.image')).toThrow(/no image feature "observation.image"/);
  });

  it('a missing folder is a clear error', async () => {
    const e = await rejection(openLeRobotDataset('/nonexistent/vlakit-data'));
    expect(e.message).toMatch(/dataset folder "\/nonexistent\/vlakit-data" does not exist/);
  });

  it('a missing or invalid info.json is a clear error', async () => {
    const fx = fixture();
    const p = join(fx.dir, 'meta', 'info.json');
    writeFileSync(p, '{ not json');
    expect((await rejection(openLeRobotDataset(fx.dir))).message).toMatch(
      /meta\/info\.json is not valid JSON/,
    );
    const info = { codebase_version: 'v3.0', fps: 10, total_episodes: 3, total_frames: 16, features: {} };
    writeFileSync(p, JSON.stringify(info));
    expect((await rejection(openLeRobotDataset(fx.dir))).message).toMatch(
      /meta\/info\.json\.data_path \(undefined\)/,
    );
    writeFileSync(p, JSON.stringify({ ...info, data_path: 'data/x.parquet' }));
    expect((await rejection(openLeRobotDataset(fx.dir))).message).toMatch(/data_path \("data\/x\.parquet"\)/);
    const good = { ...info, data_path: 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet' };
    writeFileSync(p, JSON.stringify({ ...good, features: undefined }));
    expect((await rejection(openLeRobotDataset(fx.dir))).message).toMatch(
      /meta\/info\.json\.features \(undefined\)/,
    );
    writeFileSync(p, JSON.stringify({ ...good, features: { action: { dtype: 'float32', shape: '2' } } }));
    expect((await rejection(openLeRobotDataset(fx.dir))).message).toMatch(
      /meta\/info\.json\.features\.action\.shape \("2"\)/,
    );
    writeFileSync(p, JSON.stringify({ ...good, video_path: 'videos/{chunk_index}/{file_index}.mp4' }));
    expect((await rejection(openLeRobotDataset(fx.dir))).message).toMatch(
      /video_path .* must contain \{video_key\}/,
    );
    rmSync(p);
    expect((await rejection(openLeRobotDataset(fx.dir))).message).toMatch(/meta\/info\.json is missing/);
  });

  it('an image of the wrong size is a shape error', async () => {
    const fx = fixture();
    const p = join(fx.dir, 'meta', 'info.json');
    const info = JSON.parse(readFileSync(p, 'utf8'));
    info.features['observation.image'].shape = [32, 32, 3];
    writeFileSync(p, JSON.stringify(info));
    const e = await rejection(openLeRobotDataset(fx.dir));
    expect(e.kind).toBe('shape');
    expect(e.message).toMatch(/decoded image is 16x16, expected 32x32/);
  });

  it('a feature listed in info.json without a column is named', async () => {
    const fx = fixture();
    const p = join(fx.dir, 'meta', 'info.json');
    const info = JSON.parse(readFileSync(p, 'utf8'));
    info.features.reward = { dtype: 'float32', shape: [1] };
    writeFileSync(p, JSON.stringify(info));
    expect((await rejection(openLeRobotDataset(fx.dir))).message).toMatch(
      /feature "reward" is listed in meta\/info\.json but the data files have no such column/,
    );
  });

  it('missing episode metadata and corrupt parquet are named', async () => {
    const fx = fixture();
    writeFileSync(join(fx.dir, 'data', 'chunk-000', 'file-000.parquet'), 'garbage');
    expect((await rejection(openLeRobotDataset(fx.dir))).message).toMatch(
      /data file .*file-000\.parquet is not a readable parquet file/,
    );
    rmSync(join(fx.dir, 'meta', 'episodes'), { recursive: true });
    expect((await rejection(openLeRobotDataset(fx.dir))).message).toMatch(/no episode metadata/);
  });
  it('without tasks.parquet the instructions come from meta/episodes; total_frames is checked', async () => {
    const fx = fixture({ episodeLengths: [5, 7, 4] });
    const p = join(fx.dir, 'meta', 'info.json');
    const info = JSON.parse(readFileSync(p, 'utf8'));
    // drop the tasks table: instructions then come from meta/episodes
    rmSync(join(fx.dir, 'meta', 'tasks.parquet'));
    const ds = await openLeRobotDataset(fx.dir);
    expect(ds.episodes.map((e) => e.task)).toEqual(fx.taskOfEpisode);
    info.total_frames = 17;
    writeFileSync(p, JSON.stringify(info));
    expect((await rejection(openLeRobotDataset(fx.dir))).message).toMatch(
      /total_frames is 17 but the data files hold 16 rows/,
    );
  });

  it('a task table without the task string is named', async () => {
    const fx = fixture();
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    writeFileSync(
      join(fx.dir, 'meta', 'tasks.parquet'),
      new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'task_index', data: [0n], type: 'INT64' }] })),
    );
    expect((await rejection(openLeRobotDataset(fx.dir))).message).toMatch(
      /tasks\.parquet: each row needs task_index and the task string \(column "task" or "__index_level_0__"\)/,
    );
  });
  it('an episode length that disagrees with the data is named', async () => {
    const fx = fixture({ episodeLengths: [5, 7, 4] });
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    writeFileSync(
      join(fx.dir, 'meta', 'episodes', 'chunk-000', 'file-000.parquet'),
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'episode_index', data: [0n, 1n, 2n], type: 'INT64' },
            { name: 'length', data: [5n, 6n, 4n], type: 'INT64' },
            { name: 'tasks', data: ['a', 'b', 'c'], type: 'STRING' },
          ],
        }),
      ),
    );
    expect((await rejection(openLeRobotDataset(fx.dir))).message).toMatch(
      /meta\/episodes says episode 1 has length 6 but the data files hold 7 frames of it/,
    );
  });
});

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
describe.runIf(hasFfmpeg)('openLeRobotDataset with a video feature (ffmpeg)', () => {
  it('decodes each episode clip by timestamp, exactly for lossless video', async () => {
    const fx = fixture({ video: true, episodeLengths: [5, 7, 4] });
    const ds = await openLeRobotDataset(fx.dir, { decodeImages: ['observation.images.cam'] });
    const cam = ds.getImages('observation.images.cam');
    expect([cam.height, cam.width]).toEqual([16, 16]);
    for (let f = 0; f < 16; f++) expect(cam.data!.subarray(f * 768, (f + 1) * 768)).toEqual(fx.pixels[f]);
    expect(ds.missingVideoFeatures).toEqual([]);
  });

  it('scales frames to videoSize, leaves videos undecoded unless asked, and names a short video', async () => {
    const fx = fixture({ video: true, episodeLengths: [5, 7, 4] });
    const small = await openLeRobotDataset(fx.dir, {
      videoSize: [8, 8],
      decodeImages: ['observation.images.cam'],
    });
    expect(small.getImages('observation.images.cam').data).toHaveLength(16 * 8 * 8 * 3);
    expect(small.hasImages('observation.image')).toBe(false);
    const none = await openLeRobotDataset(fx.dir, { decodeImages: false });
    expect(none.undecodedVideoFeatures).toEqual(['observation.images.cam']);
    // the default decodes inline images only
    const dflt = await openLeRobotDataset(fx.dir);
    expect([dflt.hasImages('observation.image'), dflt.hasImages('observation.images.cam')]).toEqual([
      true,
      false,
    ]);
    expect(() => none.getImages('observation.images.cam')).toThrow(
      /was not decoded; open the dataset with decodeImages including it/,
    );
    const e = await rejection(
      openLeRobotDataset(fx.dir, { ffmpeg: '/nonexistent/ffmpeg', decodeImages: ['observation.images.cam'] }),
    );
    expect(e.message).toMatch(/decoding video needs ffmpeg, which was not found/);
    // a video shorter than the episodes claim
    const vid = join(fx.dir, 'videos', 'observation.images.cam', 'chunk-000', 'file-000.mp4');
    const short = spawnSync('ffmpeg', [
      '-nostdin',
      '-v',
      'error',
      '-y',
      '-i',
      vid,
      '-frames:v',
      '10',
      '-c',
      'copy',
      `${vid}.short.mp4`,
    ]);
    expect(short.status).toBe(0);
    renameSync(`${vid}.short.mp4`, vid);
    expect(
      (await rejection(openLeRobotDataset(fx.dir, { decodeImages: ['observation.images.cam'] }))).message,
    ).toMatch(
      /episodes 0\.\.2: .*file-000\.mp4 gave 10 frames from 0\.000 s, expected 16; episode 1 \(frame 5 on\) is missing from the video/,
    );
  });
  it('decodes AV1 (the codec LeRobot records) with each frame aligned to its timestamp', async () => {
    const fx = fixture({ video: 'av1', size: 64, episodeLengths: [6, 9, 5] });
    const ds = await openLeRobotDataset(fx.dir, { decodeImages: ['observation.images.cam'] });
    const cam = ds.getImages('observation.images.cam');
    const n = 64 * 64 * 3;
    const mad = (f: number, g: number) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.abs(cam.data![f * n + i]! - fx.pixels[g]![i]!);
      return s / n;
    };
    // the fixture's blue channel is a flat 13 f per frame: it identifies the frame
    const meanBlue = (f: number) => {
      let sum = 0;
      for (let i = 2; i < n; i += 3) sum += cam.data![f * n + i]!;
      return sum / (n / 3);
    };
    for (let f = 0; f < ds.numFrames; f++) {
      expect(Math.abs(meanBlue(f) - 13 * f)).toBeLessThan(6.5); // neighbours are 13 apart
      expect(mad(f, f)).toBeLessThan(15); // lossy yuv420 AV1 on sharp synthetic edges
    }
  });
});
