import type { StageRegistry } from '@vlakit/core';
import type { BatchPolicy, EvalReport } from './batch-policy.js';
import { loadRun } from './run-loader.js';
import type { EvalConfig } from './training-config.js';

/** Options the simulator's `evaluatePolicy` takes (docs/data-flow.md). */
export interface EvaluatePolicyOptions {
  episodesPerFamily?: number;
  families?: readonly string[];
  blocks?: number;
  seed?: number;
  maxSteps?: number;
  executeSteps?: number;
  imageSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The simulator evaluator, injected so the trainer runs (and tests) without the simulator. */
export type EvaluatePolicyFn = (policy: BatchPolicy, options: EvaluatePolicyOptions) => Promise<EvalReport>;

/** evaluatePolicy options from an experiment's `eval` section and its image size. */
export function evalOptions(
  config: EvalConfig,
  imageSize: number | undefined,
  overrides: Partial<EvaluatePolicyOptions> = {},
): EvaluatePolicyOptions {
  return {
    episodesPerFamily: config.episodesPerFamily,
    blocks: config.blocks,
    seed: config.seed,
    maxSteps: config.maxSteps,
    ...(config.executeSteps !== undefined ? { executeSteps: config.executeSteps } : {}),
    ...(imageSize !== undefined ? { imageSize } : {}),
    ...overrides,
  };
}

/** The image side the pipeline takes (its `image` input), if it has one. */
export function pipelineImageSize(
  inputs: ReadonlyArray<{ name: string; shape: readonly unknown[] }>,
): number | undefined {
  const shape = inputs.find((i) => i.name === 'image')?.shape;
  return typeof shape?.[1] === 'number' ? shape[1] : undefined;
}

/** Evaluates a run folder's best checkpoint closed-loop in the simulator. */
export async function evaluateRun(
  runDir: string,
  options: {
    registry: StageRegistry;
    evaluatePolicy: EvaluatePolicyFn;
    episodesPerFamily?: number;
    checkpoint?: 'best' | 'last';
    onProgress?: (done: number, total: number) => void;
  },
): Promise<EvalReport & { run_dir: string; step: number }> {
  const run = loadRun(runDir, {
    registry: options.registry,
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
  });
  try {
    const report = await options.evaluatePolicy(
      run.policy(),
      evalOptions(run.config.eval, pipelineImageSize(run.pipeline.inputs), {
        ...(options.episodesPerFamily !== undefined ? { episodesPerFamily: options.episodesPerFamily } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      }),
    );
    return { ...report, run_dir: run.runDir, step: run.step };
  } finally {
    run.dispose();
  }
}
