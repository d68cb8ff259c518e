import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Logger, type StageRegistry, writeFileAtomic } from '@vlakit/core';
import type { EvalReport } from './batch-policy.js';
import { DEMO_EXPERIMENT, DEMO_GENERATION } from './demo-experiment.js';
import { type EvaluatePolicyFn, evalOptions, pipelineImageSize } from './evaluate-run.js';
import { loadRun } from './run-loader.js';
import { type TrainProgress, train } from './trainer.js';
import { parseTrainExperiment, type TrainExperimentConfig } from './training-config.js';

/** Generates tabletop demonstrations into a LeRobot v3 folder (the simulator's `vla generate`). */
export type GenerateDatasetFn = (options: {
  dir: string;
  episodesPerFamily: number;
  blocks: number;
  imageSize: number;
  seed: number;
  onProgress?: (done: number, total: number) => void;
}) => Promise<void>;

export interface DemoOptions {
  /** Folder that holds runs/<name>/ (default: cwd/runs). */
  readonly runsDir: string;
  /** Where generated demonstrations are cached (reused when present). */
  readonly cacheDir: string;
  readonly registry: StageRegistry;
  readonly generate: GenerateDatasetFn;
  readonly evaluatePolicy: EvaluatePolicyFn;
  /** Replace the embedded experiment (tests, the benchmark config). */
  readonly experiment?: unknown;
  readonly generation?: Partial<typeof DEMO_GENERATION>;
  readonly logger?: Logger;
  readonly onPhase?: (
    phase: 'generate' | 'train' | 'evaluate',
    done: number,
    total: number,
    info?: TrainProgress,
  ) => void;
}

/** The summary `vla demo` writes to runs/<name>/summary.json and prints under --json. */
export interface DemoSummary {
  pc_success: number;
  ci95: readonly number[] | undefined;
  episodes_per_family: number;
  families: EvalReport['families'];
  train_seconds: number;
  generate_seconds: number;
  eval_seconds: number;
  total_seconds: number;
  train_steps: number;
  backend: string;
  run_dir: string;
  dataset_dir: string;
}

/**
 * The demo: generate (or reuse) tabletop demonstrations, train the default pipeline on them,
 * evaluate the trained policy closed-loop, write summary.json and the report.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const t0 = performance.now();
  const gen = { ...DEMO_GENERATION, ...options.generation };
  const raw = (options.experiment ?? DEMO_EXPERIMENT) as Record<string, unknown>;
  const datasetDir = resolve(
    options.cacheDir,
    `tabletop-${gen.episodesPerFamily}x5-b${gen.blocks}-${gen.imageSize}px-s${gen.seed}`,
  );
  const generateStart = performance.now();
  if (existsSync(join(datasetDir, 'meta', 'info.json'))) {
    options.logger?.info(`reusing demonstrations in ${datasetDir}`);
  } else {
    options.logger?.info(`generating ${gen.episodesPerFamily} demonstrations per family into ${datasetDir}`);
    await options.generate({
      dir: datasetDir,
      episodesPerFamily: gen.episodesPerFamily,
      blocks: gen.blocks,
      imageSize: gen.imageSize,
      seed: gen.seed,
      onProgress: (d, t) => options.onPhase?.('generate', d, t),
    });
  }
  const generateSeconds = (performance.now() - generateStart) / 1000;
  const config: TrainExperimentConfig = parseTrainExperiment(
    { ...raw, data: { ...(raw['data'] as object), dir: datasetDir } },
    'demo experiment',
  );
  // a fresh run folder each time: runs/demo, runs/demo-2, ...
  let runDir = join(options.runsDir, config.name);
  for (let i = 2; existsSync(runDir); i++) runDir = join(options.runsDir, `${config.name}-${i}`);
  const result = await train(config, {
    outDir: runDir,
    registry: options.registry,
    ...(options.logger ? { logger: options.logger } : {}),
    onProgress: (p) => options.onPhase?.('train', p.step, p.totalSteps, p),
  });
  const evalStart = performance.now();
  const run = loadRun(runDir, { registry: options.registry, checkpoint: 'last' });
  let report: EvalReport;
  try {
    report = await options.evaluatePolicy(
      run.policy(),
      evalOptions(config.eval, pipelineImageSize(run.pipeline.inputs), {
        onProgress: (d, t) => options.onPhase?.('evaluate', d, t),
      }),
    );
  } finally {
    run.dispose();
  }
  const evalSeconds = (performance.now() - evalStart) / 1000;
  const summary: DemoSummary = {
    pc_success: report.pc_success,
    ci95: report.ci95,
    episodes_per_family: report.episodes_per_family,
    families: report.families,
    train_seconds: Number(result.trainSeconds.toFixed(1)),
    generate_seconds: Number(generateSeconds.toFixed(1)),
    eval_seconds: Number(evalSeconds.toFixed(1)),
    total_seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    train_steps: result.step,
    backend: result.backend,
    run_dir: result.runDir,
    dataset_dir: datasetDir,
  };
  writeFileAtomic(join(runDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
