/**
 * Test helper (not built): writes a tiny dataset in the simulator's LeRobot v3.0 layout
 * (docs/data-flow.md) with hyparquet-writer, so reader tests need no fixture files.
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { parquetWriteBuffer } from 'hyparquet-writer';

export interface SimFixtureOptions {
  episodeLengths?: number[];
  size?: number;
  /**
   * 'struct' writes {bytes, path} as LeRobot does; 'binary' a plain BYTE_ARRAY column; 'json' lets
   * hyparquet-writer pick the type (it stores the struct as JSON).
   */
  imageLayout?: 'struct' | 'binary' | 'json';
  tasks?: string[];
  /** Frames per data file (episodes never straddle files here). */
  episodesPerFile?: number;
  /**
   * Also write the frames as a video feature `observation.images.cam` in one mp4 (lossless
   * H.264 RGB through ffmpeg, which must be installed).
   */
  video?: boolean | 'av1';
}

export interface SimFixture {
  dir: string;
  /** Expected values, computed independently of the reader. */
  state: number[][];
  action: number[][];
  done: boolean[];
  episodeOfFrame: number[];
  taskOfEpisode: string[];
  /** RGB bytes per frame (H*W*3). */
  pixels: Uint8Array[];
}

/** Pixel (y, x) of frame `f`: a bright square whose position depends on f, on a gradient. */
export function fixturePixels(f: number, size: number): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  const cx = f % (size - 4);
  const cy = (f * 3) % (size - 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 3;
      const inSquare = x >= cx && x < cx + 4 && y >= cy && y < cy + 4;
      out[o] = inSquare ? 250 : (x * 7) % 200;
      out[o + 1] = inSquare ? 30 : (y * 11) % 200;
      out[o + 2] = (f * 13) % 256;
    }
  }
  return out;
}

function bytesCol(name: string) {
  return { name, type: 'BYTE_ARRAY' as const, repetition_type: 'OPTIONAL' as const };
}

export function writeSimFixture(options: SimFixtureOptions = {}): SimFixture {
  const lengths = options.episodeLengths ?? [5, 7, 4];
  const size = options.size ?? 16;
  const tasks = options.tasks ?? ['push the red block to the left', 'push the blue block up'];
  const perFile = options.episodesPerFile ?? lengths.length;
  const dir = mkdtempSync(join(tmpdir(), 'vlakit-sim-fixture-'));
  const fx: SimFixture = {
    dir,
    state: [],
    action: [],
    done: [],
    episodeOfFrame: [],
    taskOfEpisode: [],
    pixels: [],
  };
  const frames: {
    image: Uint8Array;
    state: number[];
    action: number[];
    done: boolean;
    fi: number;
    ep: number;
    ti: number;
  }[] = [];
  lengths.forEach((len, ep) => {
    const ti = ep % tasks.length;
    fx.taskOfEpisode.push(tasks[ti]!);
    for (let t = 0; t < len; t++) {
      const g = frames.length;
      const pixels = fixturePixels(g, size);
      const state = [Math.fround(0.1 * ep + 0.01 * t), Math.fround(-0.05 * t + 0.2)];
      const action = [Math.fround(0.02 * Math.sin(g)), Math.fround(0.01 * (t - ep))];
      const done = t === len - 1;
      fx.state.push(state);
      fx.action.push(action);
      fx.done.push(done);
      fx.episodeOfFrame.push(ep);
      fx.pixels.push(pixels);
      frames.push({
        image: encodePng({ width: size, height: size, data: pixels, channels: 3 }),
        state,
        action,
        done,
        fi: t,
        ep,
        ti,
      });
    }
  });

  // data files, perFile episodes each
  const episodeFile: number[] = [];
  let start = 0;
  for (let file = 0; start < lengths.length; file++) {
    const eps = lengths.slice(start, start + perFile).map((_, i) => start + i);
    const rows = frames.filter((f) => eps.includes(f.ep));
    for (const e of eps) episodeFile[e] = file;
    const imageSchema =
      options.imageLayout === 'binary'
        ? [bytesCol('observation.image')]
        : options.imageLayout === 'json'
          ? [{ ...bytesCol('observation.image'), converted_type: 'JSON' as const }]
          : [
              { name: 'observation.image', repetition_type: 'OPTIONAL' as const, num_children: 2 },
              bytesCol('bytes'),
              { ...bytesCol('path'), converted_type: 'UTF8' as const },
            ];
    const list = (name: string) => [
      { name, repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
      { name: 'element', type: 'FLOAT' as const, repetition_type: 'OPTIONAL' as const },
    ];
    const scalar = (name: string, type: 'INT64' | 'FLOAT' | 'BOOLEAN') => ({
      name,
      type,
      repetition_type: 'OPTIONAL' as const,
    });
    const buf = parquetWriteBuffer({
      columnData: [
        {
          name: 'observation.image',
          data: rows.map((r) =>
            options.imageLayout === 'binary' ? r.image : { bytes: r.image, path: null },
          ),
        },
        { name: 'observation.state', data: rows.map((r) => r.state) },
        { name: 'action', data: rows.map((r) => r.action) },
        { name: 'next.done', data: rows.map((r) => r.done) },
        { name: 'timestamp', data: rows.map((r) => r.fi / 10) },
        { name: 'frame_index', data: rows.map((r) => BigInt(r.fi)) },
        { name: 'episode_index', data: rows.map((r) => BigInt(r.ep)) },
        { name: 'index', data: rows.map((r) => BigInt(frames.indexOf(r))) },
        { name: 'task_index', data: rows.map((r) => BigInt(r.ti)) },
      ],
      schema: [
        { name: 'root', num_children: 9 },
        ...imageSchema,
        ...list('observation.state'),
        ...list('action'),
        scalar('next.done', 'BOOLEAN'),
        scalar('timestamp', 'FLOAT'),
        scalar('frame_index', 'INT64'),
        scalar('episode_index', 'INT64'),
        scalar('index', 'INT64'),
        scalar('task_index', 'INT64'),
      ],
    });
    const d = join(dir, 'data', 'chunk-000');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `file-${String(file).padStart(3, '0')}.parquet`), new Uint8Array(buf));
    start += perFile;
  }

  mkdirSync(join(dir, 'meta', 'episodes', 'chunk-000'), { recursive: true });
  let from = 0;
  const epRows = lengths.map((len, ep) => {
    const r = { ep, len, from, to: from + len, file: episodeFile[ep]! };
    from += len;
    return r;
  });
  writeFileSync(
    join(dir, 'meta', 'episodes', 'chunk-000', 'file-000.parquet'),
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'episode_index', data: epRows.map((r) => BigInt(r.ep)), type: 'INT64' },
          { name: 'length', data: epRows.map((r) => BigInt(r.len)), type: 'INT64' },
          { name: 'dataset_from_index', data: epRows.map((r) => BigInt(r.from)), type: 'INT64' },
          { name: 'dataset_to_index', data: epRows.map((r) => BigInt(r.to)), type: 'INT64' },
          { name: 'data/chunk_index', data: epRows.map(() => 0n), type: 'INT64' },
          { name: 'data/file_index', data: epRows.map((r) => BigInt(r.file)), type: 'INT64' },
          { name: 'tasks', data: epRows.map((r) => fx.taskOfEpisode[r.ep]!), type: 'STRING' },
          { name: 'family', data: epRows.map(() => 'push'), type: 'STRING' },
          { name: 'seed', data: epRows.map((r) => BigInt(r.ep)), type: 'INT64' },
          ...(options.video
            ? [
                {
                  name: 'videos/observation.images.cam/chunk_index',
                  data: epRows.map(() => 0n),
                  type: 'INT64' as const,
                },
                {
                  name: 'videos/observation.images.cam/file_index',
                  data: epRows.map(() => 0n),
                  type: 'INT64' as const,
                },
                {
                  name: 'videos/observation.images.cam/from_timestamp',
                  data: epRows.map((r) => r.from / 10),
                  type: 'DOUBLE' as const,
                },
                {
                  name: 'videos/observation.images.cam/to_timestamp',
                  data: epRows.map((r) => r.to / 10),
                  type: 'DOUBLE' as const,
                },
              ]
            : []),
        ],
      }),
    ),
  );
  writeFileSync(
    join(dir, 'meta', 'tasks.parquet'),
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'task_index', data: tasks.map((_, i) => BigInt(i)), type: 'INT64' },
          { name: '__index_level_0__', data: tasks, type: 'STRING' },
        ],
      }),
    ),
  );
  const info = {
    codebase_version: 'v3.0',
    robot_type: 'vlakit-tabletop',
    total_episodes: lengths.length,
    total_frames: frames.length,
    total_tasks: tasks.length,
    chunks_size: 1000,
    fps: 10,
    splits: { train: `0:${lengths.length}` },
    data_path: 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet',
    video_path: options.video ? 'videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4' : null,
    features: {
      'observation.image': { dtype: 'image', shape: [size, size, 3], names: ['height', 'width', 'channel'] },
      'observation.state': { dtype: 'float32', shape: [2], names: ['x', 'y'] },
      action: { dtype: 'float32', shape: [2], names: ['dx', 'dy'] },
      'next.done': { dtype: 'bool', shape: [1], names: null },
      timestamp: { dtype: 'float32', shape: [1], names: null },
      frame_index: { dtype: 'int64', shape: [1], names: null },
      episode_index: { dtype: 'int64', shape: [1], names: null },
      index: { dtype: 'int64', shape: [1], names: null },
      task_index: { dtype: 'int64', shape: [1], names: null },
      ...(options.video
        ? {
            'observation.images.cam': {
              dtype: 'video',
              shape: [size, size, 3],
              names: ['height', 'width', 'channels'],
            },
          }
        : {}),
    },
    vlakit: { families: ['push'], blocks: 4, seed: 0, image_size: size },
  };
  writeFileSync(join(dir, 'meta', 'info.json'), JSON.stringify(info, null, 2));
  if (options.video) {
    const vdir = join(dir, 'videos', 'observation.images.cam', 'chunk-000');
    mkdirSync(vdir, { recursive: true });
    const raw = new Uint8Array(fx.pixels.length * size * size * 3);
    fx.pixels.forEach((p, i) => raw.set(p, i * size * size * 3));
    // lossless RGB H.264 (decoded pixels equal the source exactly), or lossy AV1 as LeRobot records
    const r = spawnSync(
      'ffmpeg',
      [
        '-nostdin',
        '-v',
        'error',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-s',
        `${size}x${size}`,
        '-r',
        '10',
        '-i',
        'pipe:0',
        ...(options.video === 'av1'
          ? ['-c:v', 'libsvtav1', '-crf', '12', '-pix_fmt', 'yuv420p']
          : ['-c:v', 'libx264rgb', '-qp', '0', '-pix_fmt', 'rgb24']),
        join(vdir, 'file-000.mp4'),
      ],
      { input: raw },
    );
    if (r.status !== 0)
      throw new Error(`ffmpeg could not write the fixture video: ${r.stderr?.toString() ?? r.error}`);
  }
  return fx;
}
