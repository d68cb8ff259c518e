import { deriveSeed, quote, SeededRandom } from '@vlakit/core';
import { type AugmentationConfig, augmentImages } from './augmentation.js';
import type { Batch, BatchAssembler } from './batch-assembler.js';
import { datasetError } from './dataset-error.js';
import type { EpisodeRecord } from './episode-dataset.js';

/** Everything needed to resume a training iterator exactly (plain JSON, saved in checkpoints). */
export interface BatchIteratorState {
  version: 1;
  seed: number;
  /** Number of samples (frames) the iterator draws from; a restore onto other data is refused. */
  numSamples: number;
  batchSize: number;
  epoch: number;
  /** Position of the next batch's first sample in this epoch's permutation. */
  cursor: number;
}

export interface TrainBatchIteratorOptions {
  batchSize: number;
  seed: number;
  /** Training augmentation; omit or `enabled: false` for none. */
  augmentation?: AugmentationConfig;
}

/** Frame rows of `episodes`, in episode order. */
export function sampleRows(episodes: readonly EpisodeRecord[]): Int32Array {
  const total = episodes.reduce((n, e) => n + e.length, 0);
  const rows = new Int32Array(total);
  let k = 0;
  for (const e of episodes) for (let i = 0; i < e.length; i++) rows[k++] = e.start + i;
  return rows;
}

/**
 * An endless, seeded, shuffling batch iterator over the frames of the training episodes. Each
 * epoch is a fresh permutation derived from (seed, epoch); incomplete final batches are dropped.
 * Augmentation draws from a generator derived from (seed, epoch, cursor), so the state
 * `{ epoch, cursor }` alone resumes an interrupted run exactly.
 */
export class TrainBatchIterator {
  readonly batchSize: number;
  readonly seed: number;
  readonly batchesPerEpoch: number;
  private readonly rows: Int32Array;
  private readonly augmentation: AugmentationConfig | undefined;
  private permutation: Int32Array;
  private epochOfPermutation = -1;
  private epochValue = 0;
  private cursor = 0;

  constructor(
    readonly assembler: BatchAssembler,
    episodes: readonly EpisodeRecord[],
    options: TrainBatchIteratorOptions,
  ) {
    const { batchSize, seed } = options;
    this.rows = sampleRows(episodes);
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw datasetError(
        `batchSize (${quote(batchSize)}) must be a positive integer`,
        { batchSize },
        { kind: 'config' },
      );
    }
    if (batchSize > this.rows.length) {
      throw datasetError(
        `batchSize (${batchSize}) is larger than the ${this.rows.length} training frames in ${episodes.length} episodes`,
        { batchSize, frames: this.rows.length },
        { kind: 'config' },
      );
    }
    this.batchSize = batchSize;
    this.seed = seed;
    this.augmentation = options.augmentation?.enabled ? options.augmentation : undefined;
    this.batchesPerEpoch = Math.floor(this.rows.length / batchSize);
    this.permutation = new Int32Array(this.rows.length);
  }

  /** Number of training samples (frames). */
  get numSamples(): number {
    return this.rows.length;
  }

  /** The epoch the next batch comes from. */
  get epoch(): number {
    return this.epochValue;
  }

  /** The next batch (a new object each call, or `out` refilled). */
  next(out?: Batch): Batch {
    if (this.cursor + this.batchSize > this.rows.length) {
      this.epochValue++;
      this.cursor = 0;
    }
    const perm = this.permutationFor(this.epochValue);
    const picked = perm.subarray(this.cursor, this.cursor + this.batchSize);
    const batch = this.assembler.assemble(picked, out);
    if (this.augmentation && batch.height > 0) {
      const rng = new SeededRandom(deriveSeed(this.seed, `augment:${this.epochValue}:${this.cursor}`));
      augmentImages(
        batch.images,
        batch.size,
        batch.height,
        batch.width,
        this.augmentation,
        rng,
        batch.shifts,
        batch.channels,
      );
    }
    this.cursor += this.batchSize;
    return batch;
  }

  getState(): BatchIteratorState {
    return {
      version: 1,
      seed: this.seed,
      numSamples: this.rows.length,
      batchSize: this.batchSize,
      epoch: this.epochValue,
      cursor: this.cursor,
    };
  }

  /** Restores a state from `getState()`; refuses a state taken on other data or settings. */
  setState(state: BatchIteratorState): void {
    const mismatch = (['seed', 'numSamples', 'batchSize'] as const).filter((k) => state?.[k] !== this[k]);
    if (state?.version !== 1 || mismatch.length > 0) {
      throw datasetError(
        `cannot restore the batch iterator: saved ${mismatch.map((k) => `${k} ${quote(state?.[k])}`).join(', ') || `version ${quote(state?.version)}`} differs from this run's ${mismatch.map((k) => `${k} ${this[k]}`).join(', ') || 'version 1'}`,
        { state },
        { kind: 'checkpoint' },
      );
    }
    if (
      !Number.isInteger(state.epoch) ||
      state.epoch < 0 ||
      !Number.isInteger(state.cursor) ||
      state.cursor < 0 ||
      state.cursor > this.rows.length
    ) {
      throw datasetError(
        `cannot restore the batch iterator: epoch ${quote(state.epoch)} / cursor ${quote(state.cursor)} out of range`,
        { state },
        { kind: 'checkpoint' },
      );
    }
    this.epochValue = state.epoch;
    this.cursor = state.cursor;
  }

  private permutationFor(epoch: number): Int32Array {
    if (this.epochOfPermutation !== epoch) {
      const order = new SeededRandom(deriveSeed(this.seed, `epoch:${epoch}`)).shuffle(Array.from(this.rows));
      this.permutation.set(order);
      this.epochOfPermutation = epoch;
    }
    return this.permutation;
  }
}

/**
 * Validation batches: every frame of `episodes` once, in order, no augmentation; the last batch
 * may be smaller. `stride` > 1 keeps every stride-th frame (a cheaper, still deterministic pass).
 */
export function validationBatches(
  assembler: BatchAssembler,
  episodes: readonly EpisodeRecord[],
  batchSize: number,
  stride = 1,
): Generator<Batch> {
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw datasetError(
      `batchSize (${quote(batchSize)}) must be a positive integer`,
      { batchSize },
      { kind: 'config' },
    );
  }
  if (!Number.isInteger(stride) || stride <= 0) {
    throw datasetError(
      `stride (${quote(stride)}) must be a positive integer`,
      { stride },
      { kind: 'config' },
    );
  }
  const all = sampleRows(episodes);
  const rows = stride === 1 ? all : all.filter((_, i) => i % stride === 0);
  return (function* () {
    for (let i = 0; i < rows.length; i += batchSize)
      yield assembler.assemble(rows.subarray(i, i + batchSize));
  })();
}
