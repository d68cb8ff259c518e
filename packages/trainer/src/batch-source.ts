/**
 * What the trainer reads batches from. Small on purpose: @vlakit/datasets' batch iterator
 * satisfies it, and so does the in-package synthetic source used by tests and smoke runs.
 */
export interface TrainingBatch {
  /** Samples in the batch (B). */
  readonly size: number;
  /** Images (B, H, W, C) float32 in [0, 1], row-major. */
  readonly images: Float32Array;
  readonly imageHeight: number;
  readonly imageWidth: number;
  /** C: 3 (default), or 6 with the episode's first frame after the current one (data.startFrame). */
  readonly imageChannels?: number;
  /** One instruction per sample. */
  readonly instructions: readonly string[];
  /** States (B, S), normalised. */
  readonly states: Float32Array;
  readonly stateDim: number;
  /** Action chunks (B, T, A), normalised. */
  readonly actions: Float32Array;
  readonly chunk: number;
  readonly actionDim: number;
  /** 1 where a chunk step is a real step of the episode, 0 for padding past its end (B, T). */
  readonly actionMask: Float32Array;
  /** Task-completion target per sample (B), 0 or 1. */
  readonly done: Float32Array;
  /** Raw features for auxiliary losses by dataset key, (B, D) each (data.auxiliaryKeys). */
  readonly auxiliary?: Readonly<Record<string, { readonly dim: number; readonly data: Float32Array }>>;
  /** Pixels each image's content moved by under augmentation, (B, 2) as (rows, columns). */
  readonly shifts?: Int32Array;
}

/** A seeded, resumable, endless stream of batches. */
export interface BatchSource {
  next(): TrainingBatch | Promise<TrainingBatch>;
  /** A JSON-serialisable snapshot from which `setState` continues exactly. */
  getState(): unknown;
  setState(state: unknown): void;
}

/** Per-dimension mean and standard deviation. */
export interface FeatureStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Normalisation statistics computed from the training data; saved with the run. */
export interface NormalizationStats {
  readonly action: FeatureStats;
  readonly state: FeatureStats;
}

/** Training and held-out batches plus the statistics that normalised them. */
export interface TrainingData {
  readonly train: BatchSource;
  readonly validation?: BatchSource;
  readonly normalization: NormalizationStats;
  /** The dataset's own statistics file (@vlakit/datasets format), saved as dataset-stats.json. */
  readonly datasetStats?: unknown;
  /** One line for logs, e.g. "synthetic, 64 episodes" or a dataset path. */
  readonly description: string;
  /** Frees readers, worker threads, ... */
  close?(): void | Promise<void>;
}
