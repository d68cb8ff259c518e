import { quote } from '@vlakit/core';
import { datasetError } from './dataset-error.js';

/** One episode: its frames are rows `start .. start + length - 1` of every feature array. */
export interface EpisodeRecord {
  /** The dataset's own episode index (not necessarily the position in `episodes`). */
  episodeIndex: number;
  /** First frame row in the in-memory arrays. */
  start: number;
  length: number;
  /** The episode's instruction (its first task). */
  task: string;
}

/** A numeric per-frame feature, flattened: `data` is (N, dim) row-major float32. */
export interface NumericFeature {
  key: string;
  shape: number[];
  dim: number;
  data: Float32Array; // (N, dim)
}

/**
 * An image feature decoded once into memory: `data` is (N, H, W, 3) uint8 RGB, or, when the
 * frames are kept compressed (`imageMemory: compressed`), `compressed` holds each frame deflated
 * (compressed-frames.ts; read frames with `imageFrame`).
 */
export interface ImageFeature {
  key: string;
  height: number;
  width: number;
  data?: Uint8Array; // (N, H, W, 3)
  compressed?: readonly Uint8Array[]; // N deflated (H, W, 3) frames
}

/** What every reader (LeRobot, RLDS) hands to normalisation and batching. */
export interface EpisodeDatasetInit {
  /** Where the data came from (a folder or file), for messages. */
  source: string;
  fps: number;
  episodes: readonly EpisodeRecord[];
  numeric: Record<string, NumericFeature>;
  images: Record<string, ImageFeature>;
  /** Index into `tasks` for each frame row. */
  taskOfFrame: Int32Array; // (N,)
  tasks: readonly string[];
  /** Video features named by the metadata whose files are absent. */
  missingVideoFeatures?: readonly string[];
  /** Video features present on disk but not decoded (not asked for). */
  undecodedVideoFeatures?: readonly string[];
}

/** Episodes held in memory, every frame decoded once, with lookups that fail clearly. */
export class EpisodeDataset {
  readonly source: string;
  readonly fps: number;
  readonly episodes: readonly EpisodeRecord[];
  readonly numeric: Readonly<Record<string, NumericFeature>>;
  readonly images: Readonly<Record<string, ImageFeature>>;
  readonly taskOfFrame: Int32Array;
  readonly tasks: readonly string[];
  readonly missingVideoFeatures: readonly string[];
  readonly undecodedVideoFeatures: readonly string[];
  readonly numFrames: number;

  constructor(init: EpisodeDatasetInit) {
    this.source = init.source;
    this.fps = init.fps;
    this.episodes = init.episodes;
    this.numeric = init.numeric;
    this.images = init.images;
    this.taskOfFrame = init.taskOfFrame;
    this.tasks = init.tasks;
    this.missingVideoFeatures = init.missingVideoFeatures ?? [];
    this.undecodedVideoFeatures = init.undecodedVideoFeatures ?? [];
    this.numFrames = init.taskOfFrame.length;
    for (const [key, f] of Object.entries(init.numeric)) {
      if (f.data.length !== this.numFrames * f.dim) {
        throw datasetError(
          `${this.source}: feature ${quote(key)} holds ${f.data.length / f.dim} frames, expected ${this.numFrames}`,
        );
      }
    }
    for (const [key, f] of Object.entries(init.images)) {
      const frames = f.data ? f.data.length / (f.height * f.width * 3) : f.compressed?.length;
      if (frames !== this.numFrames) {
        throw datasetError(
          `${this.source}: image feature ${quote(key)} holds the wrong number of pixels for ${this.numFrames} frames`,
        );
      }
    }
  }

  /** The numeric feature `key`; the error lists the features that exist. */
  getNumeric(key: string): NumericFeature {
    const f = this.numeric[key];
    if (f) return f;
    throw datasetError(
      `${this.source}: no numeric feature ${quote(key)}; numeric features: ${Object.keys(this.numeric).join(', ') || '(none)'}`,
      { key },
    );
  }

  /** Whether an image (or decodable video) feature `key` is in memory. */
  hasImages(key: string): boolean {
    return key in this.images;
  }

  /** The image feature `key`; says clearly when it is a video whose files are absent. */
  getImages(key: string): ImageFeature {
    const f = this.images[key];
    if (f) return f;
    if (this.missingVideoFeatures.includes(key)) {
      throw datasetError(
        `${this.source}: video feature ${quote(key)} has no video files on disk (absent: ${this.missingVideoFeatures.join(', ')}); state, action and tasks are still readable`,
        { key, missingVideoFeatures: [...this.missingVideoFeatures] },
      );
    }
    if (this.undecodedVideoFeatures.includes(key)) {
      throw datasetError(
        `${this.source}: video feature ${quote(key)} was not decoded; open the dataset with decodeImages including it (video decoding needs ffmpeg)`,
        { key },
      );
    }
    throw datasetError(
      `${this.source}: no image feature ${quote(key)}; image features: ${Object.keys(this.images).join(', ') || '(none)'}`,
      { key },
    );
  }

  /** The episode record for a dataset episode index. */
  episode(episodeIndex: number): EpisodeRecord {
    const ep = this.episodes.find((e) => e.episodeIndex === episodeIndex);
    if (!ep)
      throw datasetError(`${this.source}: no episode ${episodeIndex} (${this.episodes.length} episodes)`);
    return ep;
  }

  /** The instruction of frame row `row`. */
  instruction(row: number): string {
    return this.tasks[this.taskOfFrame[row]!] ?? '';
  }
}
