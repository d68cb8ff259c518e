/**
 * Writes episodes as a LeRobot v3.0 dataset (docs/data-flow.md): parquet data files with PNG
 * images inline, meta/info.json, meta/tasks.parquet, meta/episodes, meta/stats.json. Everything
 * is written into a temporary folder beside the target and renamed into place, so a reader never
 * sees half a dataset.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { quote, VlakitError } from '@vlakit/core';
import { ByteWriter, parquetWrite } from 'hyparquet-writer';

/** One episode to write: T frames. */
export interface LeRobotEpisodeInput {
  /** The language instruction (the episode's task string). */
  instruction: string;
  /** PNG bytes of each frame's image. */
  images: readonly Uint8Array[];
  /** (T, S) row-major observation.state. */
  states: Float32Array;
  /** (T, A) row-major actions. */
  actions: Float32Array;
  /** (T) next.done: true on (and after) the step where the task is solved. */
  done: ArrayLike<boolean>;
  /**
   * (T, E) row-major observation.environment_state (LeRobot's key for the simulator's full state,
   * e.g. object poses): required when `environmentStateNames` is given, ignored otherwise.
   */
  environmentState?: Float32Array;
  /**
   * Per-channel pixel statistics of this episode's frames in [0, 1] (sum, sum of squares, min,
   * max over `count` pixels per channel); when every episode has them, stats.json gets
   * LeRobot's observation.image entry (shape [3, 1, 1]), which its MEAN_STD image normalisation needs.
   */
  imageStats?: { sum: number[]; sumSq: number[]; min: number[]; max: number[]; count: number };
  /** Extra per-episode columns in meta/episodes (vlakit writes `family` and `seed`). */
  family?: string;
  seed?: number;
}

export interface LeRobotWriteOptions {
  /** Frames per second (default 10). */
  fps?: number;
  /** Default "vlakit-tabletop". */
  robotType?: string;
  /** [H, W, 3] of every image. */
  imageShape: [number, number, number];
  stateNames?: string[];
  actionNames?: string[];
  /** Names of the E values of observation.environment_state; the column is written only with them. */
  environmentStateNames?: string[];
  /** Replace an existing dataset at the target (default false: an existing folder is an error). */
  overwrite?: boolean;
  /** Extra metadata under info.json's "vlakit" key (families, blocks, seed, image_size). */
  vlakit?: Record<string, unknown>;
  /** Data files roll over after this many MB (LeRobot's default 100). */
  dataFileSizeMb?: number;
}

export interface LeRobotWriteSummary {
  root: string;
  episodes: number;
  frames: number;
  tasks: number;
  dataFiles: string[];
}

const CHUNKS_SIZE = 1000;

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new VlakitError('dataset', message, { details });
}

function writeParquet(path: string, columnData: { name: string; data: unknown[] }[], schema: object[]): void {
  const writer = new ByteWriter();
  parquetWrite({ writer, columnData: columnData as never, schema: schema as never, statistics: false });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, new Uint8Array(writer.getBuffer()));
}

const listOf = (name: string, type: 'FLOAT' | 'DOUBLE' | 'INT64' | 'BYTE_ARRAY', utf8 = false) => [
  { name, repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type, repetition_type: 'OPTIONAL', ...(utf8 ? { converted_type: 'UTF8' } : {}) },
];
const scalar = (name: string, type: string, extra: object = {}) => ({
  name,
  type,
  repetition_type: 'OPTIONAL',
  ...extra,
});

function rows(flat: Float32Array, t: number, width: number): number[][] {
  return Array.from({ length: t }, (_, i) => Array.from(flat.subarray(i * width, (i + 1) * width)));
}

interface Moments {
  sum: Float64Array;
  sq: Float64Array;
  min: Float64Array;
  max: Float64Array;
  count: number;
}

function moments(width: number): Moments {
  return {
    sum: new Float64Array(width),
    sq: new Float64Array(width),
    min: new Float64Array(width).fill(Infinity),
    max: new Float64Array(width).fill(-Infinity),
    count: 0,
  };
}

function accumulate(m: Moments, values: ArrayLike<number>, width: number): void {
  for (let i = 0; i < values.length; i++) {
    const d = i % width;
    const v = values[i]!;
    m.sum[d]! += v;
    m.sq[d]! += v * v;
    m.min[d] = Math.min(m.min[d]!, v);
    m.max[d] = Math.max(m.max[d]!, v);
  }
  m.count += values.length / width;
}

function finish(m: Moments) {
  const n = Math.max(1, m.count);
  const mean = Array.from(m.sum, (s) => s / n);
  return {
    mean,
    std: Array.from(m.sq, (q, d) => Math.sqrt(Math.max(0, q / n - mean[d]! ** 2))),
    min: Array.from(m.min),
    max: Array.from(m.max),
    count: [m.count],
  };
}

function checkEpisode(
  ep: LeRobotEpisodeInput,
  i: number,
  stateDim: number,
  actionDim: number,
  envDim: number,
): number {
  const t = ep.images.length;
  if (t === 0) fail(`episode ${i} has no frames`);
  if (typeof ep.instruction !== 'string' || ep.instruction.length === 0) {
    fail(`episode ${i}: instruction must be a non-empty string, got ${quote(ep.instruction)}`);
  }
  if (ep.states.length !== t * stateDim) {
    fail(`episode ${i}: states has ${ep.states.length} values, expected ${t} frames x ${stateDim}`);
  }
  if (ep.actions.length !== t * actionDim) {
    fail(`episode ${i}: actions has ${ep.actions.length} values, expected ${t} frames x ${actionDim}`);
  }
  if (ep.done.length !== t) fail(`episode ${i}: done has ${ep.done.length} values, expected ${t}`);
  if (envDim > 0 && ep.environmentState?.length !== t * envDim) {
    fail(
      `episode ${i}: environmentState has ${ep.environmentState === undefined ? 'no' : ep.environmentState.length} values, expected ${t} frames x ${envDim} (environmentStateNames)`,
    );
  }
  return t;
}

/** Writes `episodes` to `root` as a LeRobot v3.0 dataset and returns what it wrote. */
export function writeLeRobotDataset(
  root: string,
  episodes: readonly LeRobotEpisodeInput[],
  options: LeRobotWriteOptions,
): LeRobotWriteSummary {
  const target = resolve(root);
  if (episodes.length === 0) fail('cannot write a dataset with no episodes');
  const [h, w, c] = options.imageShape;
  if (!(h! > 0 && w! > 0 && c === 3)) fail(`imageShape must be [H, W, 3], got ${quote(options.imageShape)}`);
  if (existsSync(target) && !options.overwrite) {
    fail(`${target} already exists; choose another folder or overwrite it`, { path: target });
  }
  const fps = options.fps ?? 10;
  const stateNames = options.stateNames ?? ['x', 'y'];
  const actionNames = options.actionNames ?? ['delta_x', 'delta_y'];
  const S = stateNames.length;
  const A = actionNames.length;
  const envNames = options.environmentStateNames ?? [];
  const E = envNames.length;
  const ENV = 'observation.environment_state';
  const maxFileBytes = (options.dataFileSizeMb ?? 100) * 1024 * 1024;

  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const taskIndex = new Map<string, number>();
    const episodeRows: Record<string, unknown>[] = [];
    const stats = {
      'observation.state': moments(S),
      action: moments(A),
      timestamp: moments(1),
      frame_index: moments(1),
      episode_index: moments(1),
      index: moments(1),
      task_index: moments(1),
      'next.done': moments(1),
      ...(E > 0 ? { [ENV]: moments(E) } : {}),
    };
    const dataFiles: string[] = [];
    let fileIndex = 0;
    let pending: { ep: LeRobotEpisodeInput; e: number; from: number }[] = [];
    let pendingBytes = 0;
    let globalIndex = 0;

    const flush = () => {
      if (pending.length === 0) return;
      const chunk = Math.floor(fileIndex / CHUNKS_SIZE);
      const file = fileIndex % CHUNKS_SIZE;
      const rel = `data/chunk-${String(chunk).padStart(3, '0')}/file-${String(file).padStart(3, '0')}.parquet`;
      const cols: Record<string, unknown[]> = {
        'observation.image': [],
        'observation.state': [],
        action: [],
        'next.done': [],
        timestamp: [],
        frame_index: [],
        episode_index: [],
        index: [],
        task_index: [],
        ...(E > 0 ? { [ENV]: [] } : {}),
      };
      for (const { ep, e, from } of pending) {
        const t = ep.images.length;
        const task = taskIndex.get(ep.instruction)!;
        ep.images.forEach((bytes, f) =>
          cols['observation.image']!.push({ bytes, path: `frame-${String(from + f).padStart(9, '0')}.png` }),
        );
        cols['observation.state']!.push(...rows(ep.states, t, S));
        cols.action!.push(...rows(ep.actions, t, A));
        if (E > 0) cols[ENV]!.push(...rows(ep.environmentState!, t, E));
        for (let f = 0; f < t; f++) {
          cols['next.done']!.push(Boolean(ep.done[f]));
          cols.timestamp!.push(Math.fround(f / fps));
          cols.frame_index!.push(BigInt(f));
          cols.episode_index!.push(BigInt(e));
          cols.index!.push(BigInt(from + f));
          cols.task_index!.push(BigInt(task));
        }
        episodeRows[e]!['data/chunk_index'] = BigInt(chunk);
        episodeRows[e]!['data/file_index'] = BigInt(file);
      }
      writeParquet(
        join(tmp, rel),
        Object.entries(cols).map(([name, data]) => ({ name, data })),
        [
          { name: 'schema', num_children: E > 0 ? 10 : 9 },
          { name: 'observation.image', repetition_type: 'OPTIONAL', num_children: 2 },
          scalar('bytes', 'BYTE_ARRAY'),
          scalar('path', 'BYTE_ARRAY', { converted_type: 'UTF8' }),
          ...listOf('observation.state', 'FLOAT'),
          ...listOf('action', 'FLOAT'),
          scalar('next.done', 'BOOLEAN'),
          scalar('timestamp', 'FLOAT'),
          scalar('frame_index', 'INT64'),
          scalar('episode_index', 'INT64'),
          scalar('index', 'INT64'),
          scalar('task_index', 'INT64'),
          ...(E > 0 ? listOf(ENV, 'FLOAT') : []),
        ],
      );
      dataFiles.push(rel);
      fileIndex++;
      pending = [];
      pendingBytes = 0;
    };

    episodes.forEach((ep, e) => {
      const t = checkEpisode(ep, e, S, A, E);
      if (!taskIndex.has(ep.instruction)) taskIndex.set(ep.instruction, taskIndex.size);
      const task = taskIndex.get(ep.instruction)!;
      episodeRows.push({
        episode_index: BigInt(e),
        tasks: [ep.instruction],
        length: BigInt(t),
        'data/chunk_index': 0n,
        'data/file_index': 0n,
        dataset_from_index: BigInt(globalIndex),
        dataset_to_index: BigInt(globalIndex + t),
        family: ep.family ?? null,
        seed: ep.seed === undefined ? null : BigInt(ep.seed),
      });
      accumulate(stats['observation.state'], ep.states, S);
      accumulate(stats.action, ep.actions, A);
      if (E > 0) accumulate(stats[ENV]!, ep.environmentState!, E);
      for (let f = 0; f < t; f++) {
        accumulate(stats.timestamp, [Math.fround(f / fps)], 1);
        accumulate(stats.frame_index, [f], 1);
        accumulate(stats.episode_index, [e], 1);
        accumulate(stats.index, [globalIndex + f], 1);
        accumulate(stats.task_index, [task], 1);
        accumulate(stats['next.done'], [ep.done[f] ? 1 : 0], 1);
      }
      const bytes = ep.images.reduce((s, b) => s + b.length, 0) + t * 8 * (S + A + E + 6);
      if (pending.length > 0 && pendingBytes + bytes > maxFileBytes) flush();
      pending.push({ ep, e, from: globalIndex });
      pendingBytes += bytes;
      globalIndex += t;
    });
    flush();

    const tasks = [...taskIndex.entries()];
    writeParquet(
      join(tmp, 'meta/tasks.parquet'),
      [
        { name: 'task_index', data: tasks.map(([, i]) => BigInt(i)) },
        { name: '__index_level_0__', data: tasks.map(([s]) => s) },
      ],
      [
        { name: 'schema', num_children: 2 },
        scalar('task_index', 'INT64'),
        scalar('__index_level_0__', 'BYTE_ARRAY', { converted_type: 'UTF8' }),
      ],
    );
    const epCols = [
      'episode_index',
      'tasks',
      'length',
      'data/chunk_index',
      'data/file_index',
      'dataset_from_index',
      'dataset_to_index',
      'family',
      'seed',
      'meta/episodes/chunk_index',
      'meta/episodes/file_index',
    ];
    for (const r of episodeRows) {
      r['meta/episodes/chunk_index'] = 0n;
      r['meta/episodes/file_index'] = 0n;
    }
    writeParquet(
      join(tmp, 'meta/episodes/chunk-000/file-000.parquet'),
      epCols.map((name) => ({ name, data: episodeRows.map((r) => r[name]) })),
      [
        { name: 'schema', num_children: epCols.length },
        scalar('episode_index', 'INT64'),
        ...listOf('tasks', 'BYTE_ARRAY', true),
        scalar('length', 'INT64'),
        scalar('data/chunk_index', 'INT64'),
        scalar('data/file_index', 'INT64'),
        scalar('dataset_from_index', 'INT64'),
        scalar('dataset_to_index', 'INT64'),
        scalar('family', 'BYTE_ARRAY', { converted_type: 'UTF8' }),
        scalar('seed', 'INT64'),
        scalar('meta/episodes/chunk_index', 'INT64'),
        scalar('meta/episodes/file_index', 'INT64'),
      ],
    );

    const one = (dtype: string) => ({ dtype, shape: [1], names: null });
    const info = {
      codebase_version: 'v3.0',
      robot_type: options.robotType ?? 'vlakit-tabletop',
      total_episodes: episodes.length,
      total_frames: globalIndex,
      total_tasks: tasks.length,
      chunks_size: CHUNKS_SIZE,
      data_files_size_in_mb: options.dataFileSizeMb ?? 100,
      video_files_size_in_mb: 500,
      fps,
      splits: { train: `0:${episodes.length}` },
      data_path: 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet',
      video_path: null,
      features: {
        'observation.image': { dtype: 'image', shape: [h, w, 3], names: ['height', 'width', 'channels'] },
        'observation.state': { dtype: 'float32', shape: [S], names: stateNames },
        action: { dtype: 'float32', shape: [A], names: actionNames },
        'next.done': one('bool'),
        timestamp: one('float32'),
        frame_index: one('int64'),
        episode_index: one('int64'),
        index: one('int64'),
        task_index: one('int64'),
        ...(E > 0 ? { [ENV]: { dtype: 'float32', shape: [E], names: envNames } } : {}),
      },
      vlakit: options.vlakit ?? {},
    };
    writeFileSync(join(tmp, 'meta/info.json'), `${JSON.stringify(info, null, 2)}\n`);
    const statsJson: Record<string, unknown> = Object.fromEntries(
      Object.entries(stats).map(([k, m]) => [k, finish(m)]),
    );
    if (episodes.every((ep) => ep.imageStats !== undefined)) {
      const img = moments(3);
      for (const ep of episodes) {
        const st = ep.imageStats!;
        for (let ch = 0; ch < 3; ch++) {
          img.sum[ch]! += st.sum[ch]!;
          img.sq[ch]! += st.sumSq[ch]!;
          img.min[ch] = Math.min(img.min[ch]!, st.min[ch]!);
          img.max[ch] = Math.max(img.max[ch]!, st.max[ch]!);
        }
        img.count += st.count;
      }
      const f = finish(img);
      const chw = (v: number[]) => v.map((x) => [[x]]);
      statsJson['observation.image'] = {
        mean: chw(f.mean),
        std: chw(f.std),
        min: chw(f.min),
        max: chw(f.max),
        count: [globalIndex],
      };
    }
    writeFileSync(join(tmp, 'meta/stats.json'), `${JSON.stringify(statsJson, null, 2)}\n`);

    if (existsSync(target)) {
      const old = `${tmp}.old`;
      renameSync(target, old);
      renameSync(tmp, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, target);
    }
    return { root: target, episodes: episodes.length, frames: globalIndex, tasks: tasks.length, dataFiles };
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}
