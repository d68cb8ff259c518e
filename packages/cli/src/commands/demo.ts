import { join, resolve } from 'node:path';
import { exportRun } from '@vlakit/export-onnx';
import { evaluateBundle } from '@vlakit/runtime-onnx';
import { type BatchPolicy, type DemoSummary, type EvaluatePolicyOptions, runDemo } from '@vlakit/trainer';
import type { Command } from 'commander';
import { type CliIo, printResult } from '../cli-io.js';
import { cliLogger } from '../cli-logger.js';
import { oneOf } from '../option-parsers.js';
import { loadInstalledPlugins } from '../plugin-catalog.js';
import { ProgressBar } from '../training-progress.js';
import { formatEval } from './eval.js';
import { recordRollouts, tabletopFunctions } from './tabletop.js';
import { BACKEND_CHOICES, type BackendChoice, useBackend } from './use-backend.js';

/** The JSON `vla demo --json` prints as its last line. */
export function demoJson(s: DemoSummary): Record<string, unknown> {
  return {
    pc_success: s.pc_success,
    families: Object.fromEntries(
      Object.entries(s.families).map(([f, r]) => [f, { pc_success: r.pc_success, ci95: r.ci95 }]),
    ),
    train_seconds: s.train_seconds,
    backend: s.backend,
    run_dir: s.run_dir,
    total_seconds: s.total_seconds,
    ...(s.onnx_pc_success !== undefined
      ? { onnx_pc_success: s.onnx_pc_success, parity_max_abs_diff: s.parity_max_abs_diff }
      : {}),
  };
}

export function registerDemo(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description(
      'generate (or reuse) tabletop demonstrations, train the default pipeline (ViT + BERT + cross-attention + GRU), evaluate it closed-loop',
    )
    .option('--runs <dir>', 'folder for runs/<name>/', 'runs')
    .option(
      '--cache <dir>',
      'folder for the generated demonstrations (reused when present)',
      join('.vlakit', 'cache'),
    )
    .option('--backend <name>', `tfjs backend: ${BACKEND_CHOICES.join(', ')}`, oneOf(BACKEND_CHOICES), 'auto')
    .option('--json', 'print one JSON object as the last line of stdout')
    .action(async (opts: { runs: string; cache: string; backend: BackendChoice; json?: boolean }) => {
      const logger = cliLogger(io);
      await useBackend(opts.backend, logger);
      const sim = await tabletopFunctions();
      const rollouts = recordRollouts(sim.evaluatePolicy);
      const { registry } = await loadInstalledPlugins(io.cwd, logger);
      const bars = {
        generate: new ProgressBar(io, 'generate |{bar}| {value}/{total} episodes | ETA {eta}s'),
        train: new ProgressBar(
          io,
          'train    |{bar}| {value}/{total} steps | loss {loss} | {rate} samples/s | ETA {eta}s',
        ),
        evaluate: new ProgressBar(io, 'evaluate |{bar}| {value}/{total} episodes | ETA {eta}s'),
        export: new ProgressBar(io, 'export   |{bar}| {value}/{total} | ETA {eta}s'),
      };
      let current: keyof typeof bars | undefined;
      let summary: DemoSummary;
      try {
        summary = await runDemo({
          runsDir: resolve(io.cwd, opts.runs),
          cacheDir: resolve(io.cwd, opts.cache),
          registry,
          generate: sim.generate,
          evaluatePolicy: rollouts.evaluatePolicy,
          exportAndEvaluate: async (runDir, evaluation) => {
            const exported = await exportRun(runDir, { registry, checkpoint: 'last' });
            const report = await evaluateBundle(
              exported.bundleDir,
              (policy, o) => sim.evaluatePolicy(policy as BatchPolicy, o as EvaluatePolicyOptions),
              { ...evaluation },
            );
            return { report, parityMaxAbsDiff: exported.parityMaxAbsDiff, bundleDir: exported.bundleDir };
          },
          logger,
          onPhase: (phase, done, total, info) => {
            if (current !== phase) {
              if (current) bars[current].stop();
              current = phase;
            }
            bars[phase].update(
              done,
              total,
              info ? { loss: info.loss.toFixed(4), rate: info.samplesPerSecond.toFixed(1) } : {},
            );
          },
        });
      } finally {
        if (current) bars[current].stop();
      }
      rollouts.write(summary.run_dir);
      printResult(io, Boolean(opts.json), demoJson(summary), () =>
        [
          formatEval({ ...summary, families: summary.families }),
          `trained ${summary.train_steps} steps in ${summary.train_seconds} s on ${summary.backend}; total ${summary.total_seconds} s`,
          ...(summary.onnx_pc_success !== undefined
            ? [
                `ONNX policy ${summary.policy_dir}: ${summary.onnx_pc_success.toFixed(1)} % (max abs difference to tfjs ${summary.parity_max_abs_diff?.toExponential(2)})`,
              ]
            : []),
          `run folder ${summary.run_dir}`,
        ].join('\n'),
      );
    });
}
