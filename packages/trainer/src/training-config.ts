import { experimentConfigSchema, parseConfig, readConfigFile } from '@vlakit/core';
import { dataConfigSchema as datasetsDataSchema } from '@vlakit/datasets';
import { z } from 'zod';

/**
 * The trainer's config sections. `data` says where batches come from, `training` how the
 * pipeline is optimised, `eval` how often and how it is evaluated. Every field has a default.
 */

/** The in-package synthetic reaching task (tests, smoke runs without a dataset). */
export const syntheticDataSchema = z.strictObject({
  source: z.literal('synthetic'),
  /** Image side in pixels (square RGB). */
  imageSize: z.number().int().min(4).default(8),
  /** Action chunk length T the decoder predicts. */
  chunkLength: z.number().int().positive().default(2),
});

/** A LeRobot v3 dataset read by @vlakit/datasets (its `data` options, plus `source`). */
export const lerobotDataSchema = datasetsDataSchema.extend({ source: z.literal('lerobot') });

/**
 * Tabletop demonstrations generated with @vlakit/sim-tabletop into `dir` (default: a cache
 * folder named after the generation settings), reused when present, then read as 'lerobot'.
 */
export const tabletopDataSchema = datasetsDataSchema.extend({
  source: z.literal('tabletop'),
  dir: z.string().min(1).optional(),
  generate: z
    .strictObject({
      /** Episodes per task family. */
      episodesPerFamily: z.number().int().positive().default(60),
      /** Block set: 4 (BLOCK_4) or 8 (BLOCK_8). */
      blocks: z.union([z.literal(4), z.literal(8)]).default(4),
      /** Square image size. */
      imageSize: z.number().int().min(8).default(64),
      seed: z.number().int().nonnegative().default(0),
      /** Step limit per episode. */
      maxSteps: z.number().int().positive().default(200),
    })
    .default({ episodesPerFamily: 60, blocks: 4, imageSize: 64, seed: 0, maxSteps: 200 }),
});

/** `source` may be left out: 'lerobot' when `dir` is given, else 'synthetic'. */
export const dataConfigSchema = z.preprocess(
  (v) =>
    typeof v === 'object' && v !== null && !('source' in v)
      ? { ...v, source: 'dir' in v ? 'lerobot' : 'synthetic' }
      : v,
  z.discriminatedUnion('source', [syntheticDataSchema, lerobotDataSchema, tabletopDataSchema]),
);

export const optimizerConfigSchema = z
  .object({
    /** 'sgd', 'adam' or 'adamw' (decoupled weight decay). */
    type: z.enum(['sgd', 'adam', 'adamw']).default('adamw'),
    /** Momentum for SGD (0 = plain SGD). */
    momentum: z.number().min(0).lt(1).default(0),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().positive().default(1e-8),
    /** AdamW's decoupled weight decay (ignored by sgd and adam). */
    weightDecay: z.number().min(0).default(0.01),
  })
  .strict();

export const scheduleConfigSchema = z
  .object({
    /** 'constant', 'cosine' (annealing to minLr) or 'warmup-cosine' (linear warmup, then cosine). */
    type: z.enum(['constant', 'cosine', 'warmup-cosine']).default('warmup-cosine'),
    /** Warmup steps for 'warmup-cosine'. */
    warmupSteps: z.number().int().nonnegative().default(10),
    /** Final learning rate as a fraction of the base rate. */
    minLrFraction: z.number().min(0).max(1).default(0.05),
  })
  .strict();

/**
 * Tensor-side augmentation on the training path, off by default: datasets read with
 * @vlakit/datasets are augmented by its batch iterator (`data.augmentation`).
 */
export const augmentConfigSchema = z
  .object({
    /** Random shift in pixels (pad by mirroring, crop back), per sample. 0 disables. */
    shift: z.number().int().nonnegative().default(0),
    /** Brightness jitter: each sample's pixels are scaled by 1 + U(-b, b). 0 disables. */
    brightness: z.number().min(0).max(1).default(0),
  })
  .strict();

const range = z
  .tuple([z.number(), z.number()])
  .refine(([a, b]) => a !== b, { message: 'the two ends of a range must differ' });

/**
 * Auxiliary keypoint supervision (keypoint-loss.ts): the `keypointLogits` score maps of `stage`
 * are trained towards the true image positions of objects, read from the dataset feature
 * `feature`. Point i supervises keypoint i.
 */
export const keypointLossSchema = z
  .object({
    /** Weight of the keypoint loss in the total loss. */
    weight: z.number().min(0).default(1),
    /** The stage with a keypoint readout (vit with `keypoints` > 0). */
    stage: z.string().min(1).default('vision'),
    /** Numeric dataset feature holding the positions, raw. */
    feature: z.string().min(1).default('observation.environment_state'),
    /** Per supervised keypoint: the feature indices of its row and its column coordinate. */
    points: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])).min(1),
    /** Row-coordinate values at the image's top and bottom edge. */
    rowRange: range,
    /** Column-coordinate values at the image's left and right edge. */
    colRange: range,
    /** Weight of the squared distance (in score-map cells) between predicted and true positions. */
    positionWeight: z.number().min(0).default(0.1),
    /** Std of each target's Gaussian bump, in score-map pixels; keep it under half an object's width (mass outside the object pulls positions to the centre). */
    sigma: z.number().positive().default(0.5),
  })
  .strict();

export const trainingConfigSchema = z
  .object({
    /** Optimiser steps (each of `batchSize * accumulate` samples). */
    steps: z.number().int().positive().default(50),
    /** Wall-time budget in seconds: when set, steps = min(steps, what fits the budget, measured). */
    timeBudgetSeconds: z.number().positive().optional(),
    batchSize: z.number().int().positive().default(8),
    /** Gradient accumulation: micro-batches per optimiser step. */
    accumulate: z.number().int().positive().default(1),
    learningRate: z.number().positive().default(1e-3),
    optimizer: optimizerConfigSchema.default(optimizerConfigSchema.parse({})),
    schedule: scheduleConfigSchema.default(scheduleConfigSchema.parse({})),
    /** Clip gradients to this global norm; 0 disables. */
    clipNorm: z.number().min(0).default(1),
    /** 'mse' or 'l1' on normalised action chunks, masked by the chunk's valid steps. */
    actionLoss: z.enum(['mse', 'l1']).default('mse'),
    lambdaAction: z.number().min(0).default(1),
    lambdaTask: z.number().min(0).default(0.1),
    augment: augmentConfigSchema.default(augmentConfigSchema.parse({})),
    /** Auxiliary keypoint supervision; off when absent. */
    keypointLoss: keypointLossSchema.optional(),
    /** Held-out validation loss every N steps (0 = only at the end). */
    validateEvery: z.number().int().nonnegative().default(25),
    /** Validation batches per validation. */
    validationBatches: z.number().int().positive().default(4),
    /** Checkpoint every N steps (and at the end). */
    checkpointEvery: z.number().int().positive().default(25),
    /** Keep the last k step checkpoints (plus the best). */
    keepLast: z.number().int().positive().default(2),
    /** Log metrics every N steps. */
    logEvery: z.number().int().positive().default(1),
  })
  .strict()
  .refine((t) => t.keypointLoss === undefined || t.augment.shift === 0, {
    message:
      'training.augment.shift moves images but not keypoint targets; set it to 0 with keypointLoss (data.augmentation.shift is followed)',
    path: ['augment', 'shift'],
  });

export const evalConfigSchema = z
  .object({
    /** Closed-loop evaluation every M steps (0 = only at the end). */
    every: z.number().int().nonnegative().default(0),
    /** Evaluate at the end of training. */
    atEnd: z.boolean().default(true),
    /** Episodes per task family. */
    episodesPerFamily: z.number().int().positive().default(50),
    /** Action steps executed from each predicted chunk before re-planning (receding horizon). */
    executeSteps: z.number().int().positive().optional(),
    blocks: z.number().int().positive().default(4),
    maxSteps: z.number().int().positive().default(200),
    seed: z.number().int().nonnegative().default(1000),
  })
  .strict();

export const trainExperimentSchema = experimentConfigSchema.extend({
  data: dataConfigSchema.default({ source: 'synthetic', imageSize: 8, chunkLength: 2 }),
  training: trainingConfigSchema.default(trainingConfigSchema.parse({})),
  eval: evalConfigSchema.default(evalConfigSchema.parse({})),
});

export type DataConfig = z.output<typeof dataConfigSchema>;
export type TabletopDataConfig = z.output<typeof tabletopDataSchema>;
export type LeRobotDataConfig = z.output<typeof lerobotDataSchema>;
export type OptimizerConfig = z.output<typeof optimizerConfigSchema>;
export type ScheduleConfig = z.output<typeof scheduleConfigSchema>;
export type AugmentConfig = z.output<typeof augmentConfigSchema>;
export type KeypointLossConfig = z.output<typeof keypointLossSchema>;
export type TrainingConfig = z.output<typeof trainingConfigSchema>;
export type EvalConfig = z.output<typeof evalConfigSchema>;
export type TrainExperimentConfig = z.output<typeof trainExperimentSchema>;

/** Validates a whole experiment (core's sections plus data, training, eval); errors quote values. */
export function parseTrainExperiment(raw: unknown, where = 'config'): TrainExperimentConfig {
  return parseConfig(trainExperimentSchema, raw, where);
}

/** Reads and validates an experiment file (.yaml, .yml, .json). */
export function loadTrainExperimentFile(path: string): TrainExperimentConfig {
  return parseTrainExperiment(readConfigFile(path), path);
}
