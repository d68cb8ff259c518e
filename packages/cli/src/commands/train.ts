import { dirname, join, resolve } from 'node:path';
import { loadTrainExperimentFile, type TrainResult, train } from '@vlakit/trainer';
import type { Command } from 'commander';
import { type CliIo, printResult } from '../cli-io.js';
import { cliLogger } from '../cli-logger.js';
import { oneOf } from '../option-parsers.js';
import { loadInstalledPlugins } from '../plugin-catalog.js';
import { ProgressBar } from '../training-progress.js';
import { tabletopFunctions } from './tabletop.js';
import { BACKEND_CHOICES, type BackendChoice, useBackend } from './use-backend.js';

export interface TrainCommandOptions {
  config: string;
  out?: string;
  resume?: boolean;
  backend: BackendChoice;
  json?: boolean;
}

/** The JSON `vla train --json` prints as its last line. */
export function trainResultJson(r: TrainResult): Record<string, unknown> {
  return {
    run_dir: r.runDir,
    steps: r.step,
    total_steps: r.totalSteps,
    final_loss: r.finalLoss,
    val_loss: r.validationLoss ?? null,
    best_step: r.bestStep ?? null,
    train_seconds: Number(r.trainSeconds.toFixed(2)),
    backend: r.backend,
    ...(r.evaluation ? { eval: r.evaluation } : {}),
  };
}

export function registerTrain(program: Command, io: CliIo): void {
  program
    .command('train')
    .description('train a pipeline end to end from an experiment config (writes runs/<name>/)')
    .requiredOption('--config <file>', 'experiment config (.yaml, .yml or .json)')
    .option('--out <dir>', 'run folder (default: runs/<config name>)')
    .option('--resume', 'continue the run folder from its latest checkpoint, exactly')
    .option('--backend <name>', `tfjs backend: ${BACKEND_CHOICES.join(', ')}`, oneOf(BACKEND_CHOICES), 'auto')
    .option('--json', 'print one JSON object as the last line of stdout')
    .action(async (opts: TrainCommandOptions) => {
      const logger = cliLogger(io);
      const configPath = resolve(io.cwd, opts.config);
      const config = loadTrainExperimentFile(configPath);
      const backend = await useBackend(opts.backend, logger);
      const { registry } = await loadInstalledPlugins(io.cwd, logger, config.plugins);
      const sim = await tabletopFunctions();
      const outDir = resolve(io.cwd, opts.out ?? join('runs', config.name));
      const bar = new ProgressBar(
        io,
        'train |{bar}| {value}/{total} | loss {loss} | {rate} samples/s | ETA {eta}s',
      );
      let result: TrainResult;
      try {
        result = await train(config, {
          outDir,
          registry,
          resume: Boolean(opts.resume),
          baseDir: dirname(configPath),
          cacheDir: resolve(io.cwd, '.vlakit', 'cache'),
          generate: sim.generate,
          evaluatePolicy: sim.evaluatePolicy,
          logger,
          onProgress: (p) =>
            bar.update(p.step, p.totalSteps, {
              loss: p.loss.toFixed(4),
              rate: p.samplesPerSecond.toFixed(1),
            }),
        });
      } finally {
        bar.stop();
      }
      logger.info(`backend ${backend}`);
      printResult(io, Boolean(opts.json), trainResultJson(result), () =>
        [
          `trained ${result.step}/${result.totalSteps} steps in ${result.trainSeconds.toFixed(1)} s on ${result.backend}`,
          `final loss ${result.finalLoss.toFixed(4)}${result.validationLoss !== undefined ? `, validation loss ${result.validationLoss.toFixed(4)}` : ''}`,
          `run folder ${result.runDir}`,
        ].join('\n'),
      );
    });
}
