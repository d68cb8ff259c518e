import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { quote, VlakitError } from '@vlakit/core';
import { compressFrame, type ImageMemory, sharedBytes } from './compressed-frames.js';
import { datasetError } from './dataset-error.js';
import {
  EpisodeDataset,
  type EpisodeRecord,
  type ImageFeature,
  type NumericFeature,
} from './episode-dataset.js';
import { decodeImage } from './image-decode.js';
import { featureSize, type LeRobotInfo, readLeRobotInfo } from './lerobot-info.js';
import { type ParquetRow, readParquetRows, toNumber, toText } from './parquet-rows.js';
import { formatPathTemplate } from './path-template.js';
import { decodeVideoClip } from './video-decode.js';

/** Dtypes read as numbers into float32 arrays. */
const NUMERIC_DTYPES = new Set([
  'float16',
  'float32',
  'float64',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'bool',
]);

/** Per-feature statistics as `meta/stats.json` stores them (mean, std, min, max, count, quantiles). */
export type LeRobotStatsJson = Record<string, Record<string, unknown>>;

export interface OpenLeRobotOptions {
  /**
   * Image features to decode into memory: every inline `image` feature (true, the default), none
   * (false), or a list of keys. Video features are decoded only when listed by key (they can be
   * large: scale them with `videoSize`).
   */
  decodeImages?: boolean | string[];
  /**
   * Size [height, width] video frames are scaled to when decoded (default: the feature's shape).
   * Decoding needs ffmpeg; 480x640 frames take 0.9 MB each, so scale them for training.
   */
  videoSize?: [number, number];
  /** ffmpeg binary for video features (default `ffmpeg` on the PATH). */
  ffmpeg?: string;
  /**
   * Keep inline image frames deflated in memory and inflate them per batch (`compressed`), about a
   * thirtieth of the memory of decoded frames (`decoded`, the default); compressed-frames.ts.
   */
  imageMemory?: ImageMemory;
  /** Called while frames are decoded (for a progress bar). */
  onProgress?: (event: { stage: 'read' | 'decode'; done: number; total: number }) => void;
}

/** A LeRobot v3.0 dataset read into memory. */
export class LeRobotDataset extends EpisodeDataset {
  constructor(
    readonly dir: string,
    readonly info: LeRobotInfo,
    /** `meta/stats.json`, or undefined when the file is absent. */
    readonly statsJson: LeRobotStatsJson | undefined,
    init: ConstructorParameters<typeof EpisodeDataset>[0],
  ) {
    super(init);
  }
}

interface EpisodeMeta {
  episodeIndex: number;
  length: number;
  tasks: string[];
  dataFile: { chunk: number; file: number } | undefined;
  row: ParquetRow;
}

/**
 * Opens a LeRobotDataset v3.0 folder: validates `meta/info.json`, reads `meta/episodes`,
 * `meta/tasks.parquet`, `meta/stats.json` and the data parquet files, and decodes inline image
 * features. Video features whose mp4 files are absent are listed in `missingVideoFeatures`; asking
 * for their frames is the only error they cause.
 */
export async function openLeRobotDataset(
  dir: string,
  options: OpenLeRobotOptions = {},
): Promise<LeRobotDataset> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw datasetError(
      `dataset folder ${quote(dir)} does not exist (expected a LeRobot v3.0 folder with meta/info.json)`,
      {
        dir,
      },
    );
  }
  const info = readLeRobotInfo(dir);
  const episodes = await readEpisodesMeta(dir);
  const taskTable = existsSync(join(dir, 'meta', 'tasks.parquet'));
  const tasks = await readTasks(dir, episodes);
  const statsJson = readStatsJson(dir);

  // ---- data files: the ones meta/episodes names, else every parquet file under data/
  const dataPaths = dataFilePaths(dir, info, episodes);
  const rows: ParquetRow[] = [];
  for (const [i, path] of dataPaths.entries()) {
    for (const r of await readParquetRows(path, 'data file')) rows.push(r);
    options.onProgress?.({ stage: 'read', done: i + 1, total: dataPaths.length });
  }
  if (rows.length !== info.total_frames) {
    throw datasetError(
      `${dir}: meta/info.json total_frames is ${info.total_frames} but the data files hold ${rows.length} rows`,
      { total_frames: info.total_frames, rows: rows.length },
    );
  }

  // ---- order frames by episode (meta/episodes order), then frame_index
  const byEpisode = new Map<number, ParquetRow[]>();
  for (const r of rows) {
    const ep = toNumber(r.episode_index);
    if (ep === undefined) {
      throw datasetError(
        `${dir}: a data row has no episode_index column (columns: ${Object.keys(r).join(', ')})`,
      );
    }
    let list = byEpisode.get(ep);
    if (!list) {
      list = [];
      byEpisode.set(ep, list);
    }
    list.push(r);
  }
  const ordered: ParquetRow[] = [];
  const records: EpisodeRecord[] = [];
  const taskIndexOf = new Map(tasks.map((t, i) => [t, i]));
  const episodeTaskIndex: number[] = [];
  for (const meta of episodes) {
    const list = byEpisode.get(meta.episodeIndex) ?? [];
    if (list.length !== meta.length) {
      throw datasetError(
        `${dir}: meta/episodes says episode ${meta.episodeIndex} has length ${meta.length} but the data files hold ${list.length} frames of it`,
        { episode: meta.episodeIndex, length: meta.length, frames: list.length },
      );
    }
    list.sort((a, b) => (toNumber(a.frame_index) ?? 0) - (toNumber(b.frame_index) ?? 0));
    const task = meta.tasks[0] ?? '';
    if (!taskIndexOf.has(task)) {
      taskIndexOf.set(task, tasks.length);
      tasks.push(task);
    }
    episodeTaskIndex.push(taskIndexOf.get(task)!);
    records.push({ episodeIndex: meta.episodeIndex, start: ordered.length, length: list.length, task });
    for (const r of list) ordered.push(r);
    byEpisode.delete(meta.episodeIndex);
  }
  if (byEpisode.size > 0) {
    throw datasetError(
      `${dir}: the data files hold frames of episodes ${[...byEpisode.keys()].join(', ')} that meta/episodes does not list`,
    );
  }
  const n = ordered.length;

  // ---- tasks per frame
  const taskOfFrame = new Int32Array(n); // (N,)
  for (const [e, rec] of records.entries()) {
    for (let i = rec.start; i < rec.start + rec.length; i++) {
      // without meta/tasks.parquet, task_index has no table to point into: use the episode's task
      const ti = taskTable ? toNumber(ordered[i]!.task_index) : undefined;
      if (ti !== undefined && (ti < 0 || ti >= tasks.length)) {
        throw datasetError(
          `${dir}: episode ${rec.episodeIndex} frame ${i - rec.start} has task_index ${ti}, but meta/tasks.parquet has ${tasks.length} tasks`,
        );
      }
      taskOfFrame[i] = ti ?? episodeTaskIndex[e]!;
    }
  }

  // ---- features
  const wanted = options.decodeImages ?? true;
  const numeric: Record<string, NumericFeature> = {};
  const images: Record<string, ImageFeature> = {};
  const missingVideoFeatures: string[] = [];
  const undecodedVideoFeatures: string[] = [];
  const firstRow = ordered[0] ?? {};
  for (const [key, feature] of Object.entries(info.features)) {
    if (feature.dtype === 'video') {
      const files = videoFiles(dir, info, key, episodes);
      if (files.some((f) => !existsSync(f))) missingVideoFeatures.push(key);
      else if (Array.isArray(wanted) && wanted.includes(key)) {
        images[key] = await decodeVideoFeature(
          dir,
          key,
          feature.shape,
          feature.names,
          videoFps(feature.info) ?? info.fps,
          files,
          episodes,
          records,
          options,
        );
      } else undecodedVideoFeatures.push(key);
      continue;
    }
    if (n > 0 && !(key in firstRow)) {
      throw datasetError(
        `${dir}: feature ${quote(key)} is listed in meta/info.json but the data files have no such column (columns: ${Object.keys(firstRow).join(', ')})`,
        { key },
      );
    }
    if (feature.dtype === 'image') {
      if (wanted === false || (Array.isArray(wanted) && !wanted.includes(key))) continue;
      images[key] = decodeImageColumn(dir, key, feature.shape, feature.names, ordered, records, options);
      continue;
    }
    if (!NUMERIC_DTYPES.has(feature.dtype)) continue; // strings and other dtypes are not frame data here
    const dim = featureSize(feature);
    const data = new Float32Array(n * dim); // (N, dim)
    for (let i = 0; i < n; i++) {
      const value = ordered[i]![key];
      if (Array.isArray(value) || ArrayBuffer.isView(value)) {
        const arr = value as ArrayLike<unknown>;
        if (arr.length !== dim) throw shapeError(dir, key, feature.shape, `${arr.length} values`, i, records);
        for (let j = 0; j < dim; j++) {
          const x = toNumber(arr[j]);
          if (x === undefined)
            throw shapeError(dir, key, feature.shape, `a ${typeof arr[j]} element`, i, records);
          data[i * dim + j] = x;
        }
      } else {
        const x = toNumber(value);
        if (x === undefined || dim !== 1)
          throw shapeError(dir, key, feature.shape, x === undefined ? quote(value) : 'a scalar', i, records);
        data[i] = x;
      }
    }
    numeric[key] = { key, shape: [...feature.shape], dim, data };
  }
  return new LeRobotDataset(dir, info, statsJson, {
    source: dir,
    fps: info.fps,
    episodes: records,
    numeric,
    images,
    taskOfFrame,
    tasks,
    missingVideoFeatures,
    undecodedVideoFeatures,
  });
}

function shapeError(
  dir: string,
  key: string,
  shape: number[],
  got: string,
  row: number,
  records: EpisodeRecord[],
) {
  const rec = records.find((r) => row >= r.start && row < r.start + r.length);
  const where = rec ? `episode ${rec.episodeIndex} frame ${row - rec.start}` : `row ${row}`;
  return datasetError(
    `${dir}: feature ${quote(key)} at ${where} has ${got}, expected shape [${shape.join(', ')}] from meta/info.json`,
    { key, shape, row },
    { kind: 'shape' },
  );
}

/**
 * The encoded bytes of an image cell: a binary column, a struct {bytes, path}, or (when a writer
 * stored the struct as JSON) {bytes: number[]}.
 */
function imageBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (!value || typeof value !== 'object') return undefined;
  const b = (value as { bytes?: unknown }).bytes;
  if (b instanceof Uint8Array) return b;
  if (Array.isArray(b) && b.every((x) => typeof x === 'number')) return Uint8Array.from(b);
  return undefined;
}

/** Image height and width from an info.json shape, honouring names like ["channels","height","width"]. */
function imageHw(shape: number[], names: unknown): [number, number] {
  if (Array.isArray(names) && names.length === 3) {
    const h = names.indexOf('height');
    const w = names.indexOf('width');
    if (h >= 0 && w >= 0) return [shape[h]!, shape[w]!];
  }
  return [shape[0]!, shape[1]!];
}

function decodeImageColumn(
  dir: string,
  key: string,
  shape: number[],
  names: unknown,
  rows: ParquetRow[],
  records: EpisodeRecord[],
  options: OpenLeRobotOptions,
): ImageFeature {
  if (shape.length !== 3) {
    throw datasetError(
      `${dir}/meta/info.json: features.${key}.shape ${quote(shape)} must have 3 entries (height, width, channels)`,
      {
        key,
      },
    );
  }
  const [height, width] = imageHw(shape, names);
  const frame = height * width * 3;
  // shared memory, so the batch prefetch worker reads the frames without a copy
  const data = options.imageMemory === 'compressed' ? undefined : sharedBytes(rows.length * frame); // (N, H, W, 3)
  const compressed: Uint8Array[] = [];
  const every = Math.max(1, Math.floor(rows.length / 100));
  let decoded = 0;
  for (const rec of records) {
    for (let i = rec.start; i < rec.start + rec.length; i++) {
      const value = rows[i]![key];
      const where = () =>
        `${dir}: feature ${quote(key)} at episode ${rec.episodeIndex} frame ${i - rec.start}`;
      let bytes = imageBytes(value);
      if (
        !bytes &&
        value &&
        typeof value === 'object' &&
        typeof (value as { path?: unknown }).path === 'string'
      ) {
        const p = join(dir, (value as { path: string }).path);
        if (!existsSync(p))
          throw datasetError(`${where()} names image file ${quote(p)}, which is absent`, { key });
        bytes = readFileSync(p);
      }
      if (!bytes) {
        throw datasetError(
          `${where()} is ${value === null ? 'null' : typeof value}, expected image bytes or a struct {bytes, path}`,
          { key },
        );
      }
      const img = decodeImage(
        bytes,
        `${dir}: feature ${key} at episode ${rec.episodeIndex} frame ${i - rec.start}`,
      );
      if (img.height !== height || img.width !== width) {
        throw datasetError(
          `${where()}: decoded image is ${img.height}x${img.width}, expected ${height}x${width} from meta/info.json`,
          { key },
          { kind: 'shape' },
        );
      }
      if (data) data.set(img.data, i * frame);
      else compressed[i] = compressFrame(img.data);
      decoded++;
      if (decoded % every === 0 || decoded === rows.length) {
        options.onProgress?.({ stage: 'decode', done: decoded, total: rows.length });
      }
    }
  }
  return data ? { key, height, width, data } : { key, height, width, compressed };
}

async function readEpisodesMeta(dir: string): Promise<EpisodeMeta[]> {
  const root = join(dir, 'meta', 'episodes');
  const files = existsSync(root) ? listParquet(root) : [];
  if (files.length === 0) {
    throw datasetError(`${dir}: no episode metadata (expected meta/episodes/chunk-000/file-000.parquet)`, {
      dir,
    });
  }
  const out: EpisodeMeta[] = [];
  for (const path of files) {
    const what = `episode metadata ${relative(dir, path)}`;
    for (const row of await readParquetRows(path, 'episode metadata')) {
      const episodeIndex = toNumber(row.episode_index);
      const length = toNumber(row.length);
      if (episodeIndex === undefined || length === undefined) {
        throw datasetError(
          `${dir}: ${what} must have columns episode_index and length (has ${Object.keys(row).join(', ')})`,
        );
      }
      const rawTasks = row.tasks;
      const tasks = Array.isArray(rawTasks)
        ? rawTasks.map((t) => toText(t) ?? '')
        : [toText(rawTasks)].filter((t) => t !== undefined);
      const chunk = toNumber(row['data/chunk_index']);
      const file = toNumber(row['data/file_index']);
      out.push({
        episodeIndex,
        length,
        tasks,
        dataFile: chunk !== undefined && file !== undefined ? { chunk, file } : undefined,
        row,
      });
    }
  }
  out.sort((a, b) => a.episodeIndex - b.episodeIndex);
  return out;
}

/** Task strings by task_index from meta/tasks.parquet (column `task` or the pandas index column). */
async function readTasks(dir: string, episodes: EpisodeMeta[]): Promise<string[]> {
  const path = join(dir, 'meta', 'tasks.parquet');
  if (!existsSync(path)) {
    // no tasks table: the instructions come from meta/episodes
    return [...new Set(episodes.flatMap((e) => e.tasks))];
  }
  const tasks: string[] = [];
  for (const row of await readParquetRows(path, 'task table')) {
    const index = toNumber(row.task_index);
    const text = toText(row.task) ?? toText(row.__index_level_0__);
    if (index === undefined || text === undefined) {
      throw datasetError(
        `${path}: each row needs task_index and the task string (column "task" or "__index_level_0__"); found columns ${Object.keys(row).join(', ')}`,
      );
    }
    tasks[index] = text;
  }
  for (let i = 0; i < tasks.length; i++) {
    if (tasks[i] === undefined)
      throw datasetError(`${path}: task_index ${i} is missing (indices must run 0..${tasks.length - 1})`);
  }
  return tasks;
}

function readStatsJson(dir: string): LeRobotStatsJson | undefined {
  const path = join(dir, 'meta', 'stats.json');
  if (!existsSync(path)) return undefined;
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new Error('expected an object of features');
    return raw as LeRobotStatsJson;
  } catch (cause) {
    throw datasetError(`${path} is not valid: ${(cause as Error).message}`, { path }, { cause });
  }
}

function listParquet(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.parquet')) out.push(join(d, e.name));
    }
  };
  walk(root);
  return out;
}

function dataFilePaths(dir: string, info: LeRobotInfo, episodes: EpisodeMeta[]): string[] {
  if (episodes.length > 0 && episodes.every((e) => e.dataFile)) {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const e of episodes) {
      const rel = formatPathTemplate(
        info.data_path,
        { chunk_index: e.dataFile!.chunk, file_index: e.dataFile!.file },
        `${dir}/meta/info.json data_path`,
      );
      if (seen.has(rel)) continue;
      seen.add(rel);
      const path = join(dir, rel);
      if (!existsSync(path)) {
        throw datasetError(
          `${dir}: data file ${rel} (named by meta/episodes for episode ${e.episodeIndex}) is missing`,
          {
            path,
          },
        );
      }
      out.push(path);
    }
    return out;
  }
  const root = join(dir, 'data');
  const files = existsSync(root) ? listParquet(root) : [];
  if (files.length === 0) throw datasetError(`${dir}: no data parquet files under data/`, { dir });
  return files;
}

/** `video.fps` from a video feature's `info` block, when given. */
function videoFps(info: unknown): number | undefined {
  const fps = (info as Record<string, unknown> | undefined)?.['video.fps'];
  return typeof fps === 'number' && fps > 0 ? fps : undefined;
}

/** The mp4 file of each episode (in `episodes` order) for video feature `key`. */
function videoFiles(dir: string, info: LeRobotInfo, key: string, episodes: EpisodeMeta[]): string[] {
  if (info.video_path == null)
    return episodes.map(() => join(dir, 'videos', key, '(no video_path in meta/info.json)'));
  return episodes.map((e) => {
    const chunk = toNumber(e.row[`videos/${key}/chunk_index`]) ?? 0;
    const file = toNumber(e.row[`videos/${key}/file_index`]) ?? 0;
    const rel = formatPathTemplate(
      info.video_path!,
      { video_key: key, chunk_index: chunk, file_index: file },
      `${dir}/meta/info.json video_path`,
    );
    return join(dir, rel);
  });
}

/** Decodes every episode's clip of a video feature with ffmpeg, scaled to `videoSize`. */
async function decodeVideoFeature(
  dir: string,
  key: string,
  shape: number[],
  names: unknown,
  fps: number,
  files: string[],
  episodes: EpisodeMeta[],
  records: EpisodeRecord[],
  options: OpenLeRobotOptions,
): Promise<ImageFeature> {
  const [height, width] = options.videoSize ?? imageHw(shape, names);
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw datasetError(
      `videoSize ${quote(options.videoSize)} must be two positive integers [height, width]`,
      {},
      { kind: 'config' },
    );
  }
  const frame = height * width * 3;
  const total = records.reduce((n, r) => n + r.length, 0);
  const data = sharedBytes(total * frame); // (N, H, W, 3), shared with the prefetch worker
  // consecutive episodes stored back to back in one file are decoded by one ffmpeg run
  const fromOf = (i: number) => toNumber(episodes[i]!.row[`videos/${key}/from_timestamp`]) ?? 0;
  for (let i = 0; i < records.length; ) {
    let j = i + 1;
    let frames = records[i]!.length;
    while (
      j < records.length &&
      files[j] === files[i] &&
      Math.abs(fromOf(j) - (fromOf(j - 1) + records[j - 1]!.length / fps)) < 0.5 / fps
    ) {
      frames += records[j]!.length;
      j++;
    }
    const first = records[i]!;
    const last = records[j - 1]!;
    const where = `${dir}: video feature ${quote(key)} episode${j - i > 1 ? `s ${first.episodeIndex}..${last.episodeIndex}` : ` ${first.episodeIndex}`}`;
    let clip: Uint8Array;
    try {
      clip = await decodeVideoClip({
        path: files[i]!,
        fromTimestamp: fromOf(i),
        frames,
        height,
        width,
        ...(options.ffmpeg ? { ffmpeg: options.ffmpeg } : {}),
        where,
      });
    } catch (error) {
      const got = VlakitError.isInstance(error) ? error.details.frames : undefined;
      if (typeof got !== 'number') throw error;
      // name the first episode the video does not cover
      const row = first.start + got;
      const short = records.slice(i, j).find((r) => row < r.start + r.length) ?? last;
      throw datasetError(
        `${(error as VlakitError).message}; episode ${short.episodeIndex} (frame ${row - short.start} on) is missing from the video`,
        { ...(error as VlakitError).details, episode: short.episodeIndex },
        { cause: error },
      );
    }
    data.set(clip, first.start * frame);
    options.onProgress?.({ stage: 'decode', done: last.start + last.length, total });
    i = j;
  }
  return { key, height, width, data };
}
