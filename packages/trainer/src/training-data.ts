import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Logger, quote, VlakitError } from '@vlakit/core';
import type { TrainingData } from './batch-source.js';
import { lerobotTrainingData } from './lerobot-data.js';
import { syntheticTrainingData } from './synthetic-source.js';
import type { TabletopDataConfig, TrainExperimentConfig } from './training-config.js';

/** Generates tabletop demonstrations into a LeRobot v3 folder (the simulator's `vla generate`). */
export type GenerateDatasetFn = (options: {
  dir: string;
  episodesPerFamily: number;
  blocks: 4 | 8;
  imageSize: number;
  seed: number;
  maxSteps: number;
  onProgress?: (done: number, total: number) => void;
}) => Promise<void>;

export interface OpenDataOptions {
  /** Folder relative data paths resolve against (the config file's folder). */
  readonly baseDir: string;
  /** Default folder for generated tabletop demonstrations. */
  readonly cacheDir?: string;
  /** The simulator's generator, for `source: tabletop`. */
  readonly generate?: GenerateDatasetFn;
  readonly logger?: Logger;
  readonly onGenerateProgress?: (done: number, total: number) => void;
}

/**
 * Where `source: tabletop` keeps its demonstrations: `dir`, or a cache folder named after the
 * settings and the dataset layout version (v2: with observation.environment_state, which caches
 * written before it lack).
 */
export function tabletopDatasetDir(data: TabletopDataConfig, options: OpenDataOptions): string {
  if (data.dir !== undefined) return resolve(options.baseDir, data.dir);
  const g = data.generate;
  return resolve(
    options.cacheDir ?? join(options.baseDir, '.vlakit', 'cache'),
    `tabletop-v2-${g.episodesPerFamily}x5-b${g.blocks}-${g.imageSize}px-s${g.seed}-m${g.maxSteps}`,
  );
}

/** Opens the batches `config.data` names (generating tabletop demonstrations first when asked). */
export async function openTrainingData(
  config: TrainExperimentConfig,
  options: OpenDataOptions,
): Promise<TrainingData> {
  const { training, seed } = config;
  const batch = { seed, batchSize: training.batchSize, baseDir: options.baseDir };
  // the keypoint loss reads its feature from the batches
  const keypointFeature = training.keypointLoss?.feature;
  const data =
    keypointFeature !== undefined && config.data.source !== 'synthetic'
      ? {
          ...config.data,
          auxiliaryKeys: [...new Set([...config.data.auxiliaryKeys, keypointFeature])],
        }
      : config.data;
  switch (data.source) {
    case 'synthetic':
      return syntheticTrainingData({
        seed,
        batchSize: training.batchSize,
        imageSize: data.imageSize,
        chunk: data.chunkLength,
      });
    case 'lerobot':
      return lerobotTrainingData(data, batch);
    case 'tabletop': {
      const dir = tabletopDatasetDir(data, options);
      if (existsSync(join(dir, 'meta', 'info.json'))) {
        options.logger?.info(`using the tabletop demonstrations in ${dir}`);
      } else {
        if (options.generate === undefined) {
          throw new VlakitError(
            'config',
            `data.source "tabletop": ${quote(dir)} holds no dataset and no generator was given (the vla CLI passes @vlakit/sim-tabletop's)`,
          );
        }
        const g = data.generate;
        options.logger?.info(`generating ${g.episodesPerFamily} demonstrations per family into ${dir}`);
        await options.generate({
          dir,
          ...g,
          ...(options.onGenerateProgress ? { onProgress: options.onGenerateProgress } : {}),
        });
      }
      const { generate: _g, ...rest } = data;
      return lerobotTrainingData({ ...rest, source: 'lerobot', dir }, batch);
    }
  }
}
