import type { Batch } from './batch-assembler.js';
import { BatchAssembler } from './batch-assembler.js';
import { TrainBatchIterator, validationBatches } from './batch-iterator.js';
import type { DataConfig } from './data-config.js';
import type { EpisodeDataset } from './episode-dataset.js';
import { type EpisodeSplit, splitEpisodes } from './episode-split.js';
import { type OpenLeRobotOptions, openLeRobotDataset } from './lerobot-reader.js';
import {
  computeNormalizationStats,
  type NormalizationMode,
  type NormalizationStats,
  Normalizer,
} from './normalization.js';
import { PrefetchingBatchIterator } from './prefetching-iterator.js';
import { openRldsDataset } from './rlds-reader.js';

/** A dataset ready for training: split, statistics from the training episodes, batch factories. */
export interface TrainingData {
  dataset: EpisodeDataset;
  split: EpisodeSplit;
  /** Save these with the checkpoint and the policy bundle. */
  stats: NormalizationStats;
  normalizer: Normalizer;
  assembler: BatchAssembler;
  /** A seeded, augmenting, endless training iterator. */
  trainIterator(batchSize: number): TrainBatchIterator;
  /** The same batches from a worker thread, assembled ahead (call `close` when done). */
  prefetchingIterator(batchSize: number): PrefetchingBatchIterator;
  /** One pass over the validation episodes (no augmentation). */
  valBatches(batchSize: number): Generator<Batch>;
}

export interface PrepareOptions {
  /** Reuse saved statistics (resume, fine-tune) instead of computing them. */
  stats?: NormalizationStats;
  /** Open the dataset yourself (tests, RLDS); by default the LeRobot reader opens `config.dir`. */
  dataset?: EpisodeDataset;
  onProgress?: OpenLeRobotOptions['onProgress'];
}

/** Opens `config.dir`, splits episodes with `seed`, computes statistics on the training episodes. */
export async function prepareTrainingData(
  config: DataConfig,
  seed: number,
  options: PrepareOptions = {},
): Promise<TrainingData> {
  const progress = options.onProgress ? { onProgress: options.onProgress } : {};
  const dataset =
    options.dataset ??
    (config.format === 'rlds'
      ? // the RLDS reader renames features to the LeRobot names the config uses
        openRldsDataset(config.dir, { ...(config.imageKey === null ? { imageKey: null } : {}), ...progress })
      : await openLeRobotDataset(config.dir, {
          decodeImages: config.imageKey === null ? false : [config.imageKey],
          imageMemory: config.imageMemory,
          ...(config.videoSize ? { videoSize: config.videoSize } : {}),
          ...progress,
        }));
  const split = splitEpisodes(dataset.episodes, config.valFraction, seed);
  const modes: Record<string, NormalizationMode> = { [config.actionKey]: config.normalization.action };
  if (config.stateKey !== null) modes[config.stateKey] = config.normalization.state;
  const stats = options.stats ?? computeNormalizationStats(dataset, split.train, modes);
  const normalizer = new Normalizer(stats);
  const assembler = new BatchAssembler(dataset, normalizer, {
    imageKey: config.imageKey,
    stateKey: config.stateKey,
    auxiliaryKeys: config.auxiliaryKeys,
    actionKey: config.actionKey,
    doneKey: config.doneKey,
    chunkLength: config.chunkLength,
    doneTarget: config.doneTarget,
    actionsAfterDone: config.actionsAfterDone,
    startFrame: config.startFrame,
  });
  return {
    dataset,
    split,
    stats,
    normalizer,
    assembler,
    trainIterator: (batchSize) =>
      new TrainBatchIterator(assembler, split.train, { batchSize, seed, augmentation: config.augmentation }),
    prefetchingIterator: (batchSize) =>
      new PrefetchingBatchIterator(assembler, split.train, {
        batchSize,
        seed,
        augmentation: config.augmentation,
      }),
    valBatches: (batchSize) => validationBatches(assembler, split.val, batchSize, config.valStride),
  };
}
