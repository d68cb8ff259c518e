import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger, type StageRegistry, writeFileAtomic } from '@vlakit/core';
import type { EvalReport } from './batch-policy.js';
import { DEMO_EXPERIMENT } from './demo-experiment.js';
import {
  type EvaluatePolicyFn,
  type EvaluatePolicyOptions,
  evalOptions,
  pipelineImageSize,
} from './evaluate-run.js';
import { loadRun } from './run-loader.js';
import { type TrainProgress, train } from './trainer.js';
import { parseTrainExperiment, type TrainExperimentConfig } from './training-config.js';
import type { GenerateDatasetFn } from './training-data.js';

export interface DemoOptions {
  /** Folder that holds runs/<name>/. */
  readonly runsDir: string;
  /** Where generated demonstrations are cached (reused when present). */
  readonly cacheDir: string;
  readonly registry: StageRegistry;
  readonly generate: GenerateDatasetFn;
  readonly evaluatePolicy: EvaluatePolicyFn;
  /** Replace the embedded experiment (tests, the benchmark config). */
  readonly experiment?: unknown;
  /** Base folder for relative paths in `experiment`. */
  readonly baseDir?: string;
  /**
   * Exports the trained run to an ONNX policy bundle and evaluates the bundle closed-loop with the
   * same evaluation options (the CLI passes @vlakit/export-onnx + @vlakit/runtime-onnx).
   */
  readonly exportAndEvaluate?: (
    runDir: string,
    evaluation: EvaluatePolicyOptions,
  ) => Promise<{ report: EvalReport; parityMaxAbsDiff: number; bundleDir: string }>;
  readonly logger?: Logger;
  readonly onPhase?: (
    phase: 'generate' | 'train' | 'evaluate' | 'export',
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
  eval_seconds: number;
  /** Everything before training: generating or loading the demonstrations, building the pipeline. */
  setup_seconds: number;
  total_seconds: number;
  train_steps: number;
  backend: string;
  run_dir: string;
  /** With ONNX export: the bundle's closed-loop success and its largest difference to tfjs. */
  onnx_pc_success?: number;
  onnx_families?: EvalReport['families'];
  parity_max_abs_diff?: number;
  policy_dir?: string;
  onnx_eval_seconds?: number;
}

/**
 * The demo: generate (or reuse) tabletop demonstrations, train the default pipeline on them,
 * evaluate the trained policy closed-loop, write summary.json and the report.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const t0 = performance.now();
  const config: TrainExperimentConfig = parseTrainExperiment(
    options.experiment ?? DEMO_EXPERIMENT,
    'demo experiment',
  );
  // a fresh run folder each time: runs/demo, runs/demo-2, ...
  let runDir = join(options.runsDir, config.name);
  for (let i = 2; existsSync(runDir); i++) runDir = join(options.runsDir, `${config.name}-${i}`);
  let trainStart: number | undefined;
  const result = await train(config, {
    outDir: runDir,
    registry: options.registry,
    baseDir: options.baseDir ?? process.cwd(),
    cacheDir: options.cacheDir,
    generate: options.generate,
    ...(options.logger ? { logger: options.logger } : {}),
    onGenerateProgress: (d, t) => options.onPhase?.('generate', d, t),
    onProgress: (p) => {
      trainStart ??= performance.now();
      options.onPhase?.('train', p.step, p.totalSteps, p);
    },
  });
  const evalStart = performance.now();
  const run = loadRun(runDir, { registry: options.registry, checkpoint: 'last' });
  let report: EvalReport;
  const imageSize = pipelineImageSize(run.pipeline.inputs);
  try {
    report = await options.evaluatePolicy(
      run.policy(),
      evalOptions(config.eval, imageSize, {
        onProgress: (d, t) => options.onPhase?.('evaluate', d, t),
      }),
    );
  } finally {
    run.dispose();
  }
  const evalEnd = performance.now();
  let onnx: Pick<
    DemoSummary,
    'onnx_pc_success' | 'onnx_families' | 'parity_max_abs_diff' | 'policy_dir' | 'onnx_eval_seconds'
  > = {};
  if (options.exportAndEvaluate) {
    options.onPhase?.('export', 0, 1);
    const r = await options.exportAndEvaluate(
      runDir,
      evalOptions(config.eval, imageSize, {
        onProgress: (d, t) => options.onPhase?.('evaluate', d, t),
      }),
    );
    onnx = {
      onnx_pc_success: r.report.pc_success,
      onnx_families: r.report.families,
      parity_max_abs_diff: r.parityMaxAbsDiff,
      policy_dir: r.bundleDir,
      onnx_eval_seconds: Number(((performance.now() - evalEnd) / 1000).toFixed(1)),
    };
  }
  const end = performance.now();
  const summary: DemoSummary = {
    pc_success: report.pc_success,
    ci95: report.ci95,
    episodes_per_family: report.episodes_per_family,
    families: report.families,
    train_seconds: Number(result.trainSeconds.toFixed(1)),
    eval_seconds: Number(((evalEnd - evalStart) / 1000).toFixed(1)),
    setup_seconds: Number((((trainStart ?? evalStart) - t0) / 1000).toFixed(1)),
    total_seconds: Number(((end - t0) / 1000).toFixed(1)),
    train_steps: result.step,
    backend: result.backend,
    run_dir: result.runDir,
    ...onnx,
  };
  writeFileAtomic(join(runDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
