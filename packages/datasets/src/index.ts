/** @vlakit/datasets: LeRobot v3 reader, normalisation, seeded batches and augmentation. */
export const packageName = '@vlakit/datasets';
export {
  type AugmentationConfig,
  type AugmentationConfigInput,
  augmentationConfigSchema,
  augmentImages,
} from './augmentation.js';
export {
  type ActionsAfterDone,
  type Batch,
  BatchAssembler,
  type DoneTarget,
  type SampleSpec,
} from './batch-assembler.js';
export {
  type BatchIteratorState,
  sampleRows,
  TrainBatchIterator,
  type TrainBatchIteratorOptions,
  validationBatches,
} from './batch-iterator.js';
export { compressFrame, type ImageMemory, imageFrame } from './compressed-frames.js';
export { type DataConfig, type DataConfigInput, dataConfigSchema, parseDataConfig } from './data-config.js';
export {
  EpisodeDataset,
  type EpisodeDatasetInit,
  type EpisodeRecord,
  type ImageFeature,
  type NumericFeature,
} from './episode-dataset.js';
export { type EpisodeSplit, splitEpisodes } from './episode-split.js';
export { stackFramesInto, U8_TO_UNIT } from './frame-stack.js';
export { decodeImage, imageFormat, type RgbImage } from './image-decode.js';
export {
  featureSize,
  LEROBOT_CODEBASE_VERSION,
  type LeRobotFeature,
  type LeRobotInfo,
  lerobotFeatureSchema,
  lerobotInfoSchema,
  readLeRobotInfo,
} from './lerobot-info.js';
export {
  LeRobotDataset,
  type LeRobotStatsJson,
  type OpenLeRobotOptions,
  openLeRobotDataset,
} from './lerobot-reader.js';
export * from './lerobot-writer.js';
export {
  computeFeatureStats,
  computeNormalizationStats,
  type FeatureStats,
  featureStatsSchema,
  MIN_SCALE,
  type NormalizationMode,
  type NormalizationStats,
  Normalizer,
  normalizationModeSchema,
  normalizationStatsSchema,
  parseNormalizationStats,
} from './normalization.js';
export { readParquetRows } from './parquet-rows.js';
export { formatPathTemplate } from './path-template.js';
export {
  actionsToChunks,
  observationsToInputs,
  type PolicyInputs,
  type PolicyObservation,
} from './policy-io.js';
export { PrefetchingBatchIterator } from './prefetching-iterator.js';
export { type OpenRldsOptions, openRldsDataset } from './rlds-reader.js';
export { decodeTfExample, encodeTfExample, type TfExample, type TfFeature } from './tf-example.js';
export { crc32c, encodeTfRecords, maskedCrc32c, parseTfRecords, readTfRecordFile } from './tfrecord.js';
export { type PrepareOptions, prepareTrainingData, type TrainingData } from './training-data.js';
