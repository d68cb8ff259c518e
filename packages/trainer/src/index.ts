export { attentionOverlay, writeAttentionMaps } from './attention-maps.js';
export { augmentImages } from './augment.js';
export {
  type BatchPolicy,
  createBatchPolicy,
  type EvalReport,
  type Observation,
  pipelineFeeds,
} from './batch-policy.js';
export type {
  BatchSource,
  FeatureStats,
  NormalizationStats,
  TrainingBatch,
  TrainingData,
} from './batch-source.js';
export {
  type CheckpointState,
  type LoadedCheckpoint,
  listCheckpoints,
  readCheckpoint,
  writeCheckpoint,
} from './checkpoint.js';
export { clipByGlobalNorm } from './clip-gradients.js';
export { type DemoOptions, type DemoSummary, runDemo } from './demo.js';
export { DEMO_EXPERIMENT, TABLETOP_KEYPOINTS } from './demo-experiment.js';
export {
  type EvaluatePolicyFn,
  type EvaluatePolicyOptions,
  evalOptions,
  evaluateRun,
  pipelineImageSize,
} from './evaluate-run.js';
export { type KeypointTargets, keypointLoss, keypointTargets } from './keypoint-loss.js';
export { keypointOverlay, writeKeypointOverlays } from './keypoint-overlay.js';
export { fromDatasetBatch, lerobotTrainingData } from './lerobot-data.js';
export { type PlotSeries, plotLines, type RgbImage } from './line-plot.js';
export { bceWithLogits, maskedActionLoss } from './losses.js';
export { learningRateAt } from './lr-schedule.js';
export { MetricsLog, type MetricsRecord } from './metrics-log.js';
export { computeStats, normalize, unnormalize } from './normalization.js';
export { Optimizer } from './optimizer.js';
export { type LoadedRun, loadRun } from './run-loader.js';
export { encodePng, writeLossCurve } from './run-report.js';
export {
  SYNTHETIC_POSITIONS,
  SyntheticBatchSource,
  syntheticStats,
  syntheticTrainingData,
} from './synthetic-source.js';
export { batchLoss, type TrainOptions, type TrainProgress, type TrainResult, train } from './trainer.js';
export {
  type AugmentConfig,
  type DataConfig,
  dataConfigSchema,
  type EvalConfig,
  evalConfigSchema,
  type KeypointLossConfig,
  keypointLossSchema,
  type LeRobotDataConfig,
  loadTrainExperimentFile,
  type OptimizerConfig,
  parseTrainExperiment,
  type ScheduleConfig,
  type TabletopDataConfig,
  type TrainExperimentConfig,
  type TrainingConfig,
  trainExperimentSchema,
  trainingConfigSchema,
} from './training-config.js';
export {
  type GenerateDatasetFn,
  type OpenDataOptions,
  openTrainingData,
  tabletopDatasetDir,
} from './training-data.js';
