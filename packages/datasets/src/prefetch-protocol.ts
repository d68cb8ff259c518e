import type { AugmentationConfig } from './augmentation.js';
import type { Batch, SampleSpec } from './batch-assembler.js';
import type { BatchIteratorState } from './batch-iterator.js';
import type { EpisodeDatasetInit, EpisodeRecord } from './episode-dataset.js';
import type { NormalizationStats } from './normalization.js';

/** What the prefetch worker is started with: enough to rebuild the training iterator there. */
export interface PrefetchWorkerData {
  /** The dataset's plain parts; decoded image data lives in a SharedArrayBuffer (not copied). */
  dataset: EpisodeDatasetInit;
  stats: NormalizationStats;
  spec: SampleSpec;
  episodes: readonly EpisodeRecord[];
  batchSize: number;
  seed: number;
  augmentation?: AugmentationConfig;
}

/** Main thread -> worker. `generation` tags requests so batches made before a seek are dropped. */
export type PrefetchRequest =
  | { type: 'next'; generation: number }
  | { type: 'seek'; generation: number; state: BatchIteratorState };

/** Worker -> main thread: one batch and the iterator state after it, or an error. */
export type PrefetchReply =
  | { type: 'batch'; generation: number; batch: Batch; state: BatchIteratorState }
  | { type: 'error'; generation: number; message: string };
