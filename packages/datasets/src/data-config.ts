import { parseConfig } from '@vlakit/core';
import { z } from 'zod';
import { augmentationConfigSchema } from './augmentation.js';
import type { ActionsAfterDone } from './batch-assembler.js';
import type { ImageMemory } from './compressed-frames.js';
import { normalizationModeSchema } from './normalization.js';

const modesSchema = z.strictObject({
  /** Normalisation of the state feature. */
  state: normalizationModeSchema.default('MEAN_STD'),
  /** Normalisation of the action feature (the decoder predicts normalised actions). */
  action: normalizationModeSchema.default('MEAN_STD'),
});

/**
 * The `data` section of an experiment config. Defaults fit the simulator's datasets
 * (`vla generate`); a LeRobot recording without images sets `imageKey: null`.
 */
export const dataConfigSchema = z.strictObject({
  /** Dataset folder (LeRobot v3.0 layout) or RLDS TFRecord file/folder. */
  dir: z.string().min(1),
  /** On-disk format. */
  format: z.enum(['lerobot', 'rlds']).default('lerobot'),
  /** Action chunk length T: each sample predicts a[t .. t+T-1]. */
  chunkLength: z.number().int().positive().default(8),
  /** Fraction of episodes held out for validation (split by episode, seeded). */
  valFraction: z.number().min(0).lt(1).default(0.1),
  /** Image feature, or null to train on state only. */
  imageKey: z.string().min(1).nullable().default('observation.image'),
  /** State feature, or null for none. */
  stateKey: z.string().min(1).nullable().default('observation.state'),
  /** Numeric features batches carry raw for auxiliary losses (e.g. observation.environment_state). */
  auxiliaryKeys: z.array(z.string().min(1)).default([]),
  /** Action feature. */
  actionKey: z.string().min(1).default('action'),
  /** Done feature; "auto": `next.done` when present, else the last frame of each episode. */
  doneKey: z.string().min(1).nullable().default('auto'),
  /** Done target: the flag of frame t ("frame") or any frame t..t+T-1 of the episode ("chunk"). */
  doneTarget: z.enum(['frame', 'chunk']).default('frame'),
  /**
   * Actions after the first done frame (the task already complete, e.g. an expert idling with zero
   * actions until the recording stops): "train" keeps them as action targets, "mask" leaves them
   * out of the action loss, so a policy does not learn to stop short of the goal.
   */
  actionsAfterDone: z.enum(['train', 'mask'] as const satisfies readonly ActionsAfterDone[]).default('train'),
  /**
   * Give every sample its episode's first frame too: images of 6 channels per pixel (current RGB,
   * then the first frame's), auxiliary features followed by their first-frame values. Goals set
   * relative to where things started ("push the block a bit up") need it; the vision stage must
   * take 6 channels (vit option `channels: 6`).
   */
  startFrame: z.boolean().default(false),
  /** Normalisation: one mode for state and action, or one each. */
  normalization: z
    .union([normalizationModeSchema.transform((m) => ({ state: m, action: m })), modesSchema])
    .default({ state: 'MEAN_STD', action: 'MEAN_STD' }),
  /** Training augmentation (validation and evaluation never augment). */
  augmentation: augmentationConfigSchema.default(augmentationConfigSchema.parse({})),
  /**
   * How image frames are held in memory: "decoded" (N x H x W x 3 bytes) or "compressed" (each
   * frame deflated, inflated per batch: about a thirtieth of the memory for rendered scenes, a few
   * percent slower per step). Inline image features only; video frames stay decoded.
   */
  imageMemory: z.enum(['decoded', 'compressed'] as const satisfies readonly ImageMemory[]).default('decoded'),
  /**
   * Assemble and augment training batches in a worker thread, ahead of the trainer (the same
   * batches in the same order; the trainer's step otherwise waits for them on its one core).
   */
  prefetch: z.boolean().default(true),
  /** Scale decoded video frames to [height, width] (video features only; needs ffmpeg). */
  videoSize: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
  /** Keep every n-th validation frame (1 = all). */
  valStride: z.number().int().positive().default(1),
});
export type DataConfig = z.output<typeof dataConfigSchema>;
export type DataConfigInput = z.input<typeof dataConfigSchema>;

/** Validates the `data` section; `where` prefixes error paths (e.g. "config.data"). */
export function parseDataConfig(raw: unknown, where = 'data'): DataConfig {
  return parseConfig(dataConfigSchema, raw, where);
}
