import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildPipeline, type Pipeline, quote, type StageRegistry, VlakitError } from '@vlakit/core';
import { type BatchPolicy, createBatchPolicy } from './batch-policy.js';
import type { NormalizationStats } from './batch-source.js';
import { assignWeights, listCheckpoints, readCheckpoint, stepDirName } from './checkpoint.js';
import { parseTrainExperiment, type TrainExperimentConfig } from './training-config.js';

export interface LoadedRun {
  readonly runDir: string;
  readonly config: TrainExperimentConfig;
  readonly pipeline: Pipeline;
  readonly normalization: NormalizationStats;
  /** The checkpoint step the weights came from. */
  readonly step: number;
  readonly checkpointDir: string;
  /** The backend that trained the run. */
  readonly backend: string;
  /** A tfjs BatchPolicy over the loaded pipeline. */
  policy(): BatchPolicy;
  dispose(): void;
}

/**
 * Opens a run folder: its config, the pipeline with the weights of the `best` (default) or the
 * `last` checkpoint, and the normalisation statistics it was trained with.
 */
export function loadRun(
  dir: string,
  options: { registry: StageRegistry; checkpoint?: 'best' | 'last' },
): LoadedRun {
  const runDir = resolve(dir);
  const configPath = join(runDir, 'config.json');
  if (!existsSync(configPath)) {
    throw new VlakitError(
      'checkpoint',
      `${quote(runDir)} is not a run folder: it has no config.json (made by vla train)`,
    );
  }
  const config = parseTrainExperiment(JSON.parse(readFileSync(configPath, 'utf8')), configPath);
  const checkpoints = join(runDir, 'checkpoints');
  const steps = listCheckpoints(checkpoints);
  if (steps.length === 0)
    throw new VlakitError(
      'checkpoint',
      `run folder ${quote(runDir)} has no complete checkpoint under checkpoints/`,
    );
  let step = steps.at(-1)!;
  if ((options.checkpoint ?? 'best') === 'best' && existsSync(join(checkpoints, 'best.json'))) {
    const best = JSON.parse(readFileSync(join(checkpoints, 'best.json'), 'utf8')) as { step?: number };
    if (typeof best.step === 'number' && steps.includes(best.step)) step = best.step;
  }
  const ckpt = readCheckpoint(join(checkpoints, stepDirName(step)));
  const pipeline = buildPipeline(config.pipeline, options.registry, { seed: config.seed });
  try {
    assignWeights(pipeline.variables(), ckpt.model, join(ckpt.dir, 'model.safetensors'));
  } catch (error) {
    pipeline.dispose();
    throw error;
  }
  const normalization = ckpt.state.normalization;
  return {
    runDir,
    config,
    pipeline,
    normalization,
    step,
    checkpointDir: ckpt.dir,
    backend: ckpt.state.backend,
    policy: () => createBatchPolicy(pipeline, normalization),
    dispose: () => pipeline.dispose(),
  };
}
