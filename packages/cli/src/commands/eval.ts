import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { quote, VlakitError } from '@vlakit/core';
import { evaluateBundle } from '@vlakit/runtime-onnx';
import { type EvalReport, evalConfigSchema, evalOptions, evaluateRun } from '@vlakit/trainer';
import type { Command } from 'commander';
import { type CliIo, printResult } from '../cli-io.js';
import { cliLogger } from '../cli-logger.js';
import { oneOf, positiveInt } from '../option-parsers.js';
import { loadInstalledPlugins } from '../plugin-catalog.js';
import { ProgressBar } from '../training-progress.js';
import { tabletopFunctions } from './tabletop.js';
import { BACKEND_CHOICES, type BackendChoice, useBackend } from './use-backend.js';

/** The `vla expert` JSON shape: episodes_per_family, pc_success, families {f: {pc_success, ci95}}. */
export function evalJson(report: EvalReport): Record<string, unknown> {
  return {
    episodes_per_family: report.episodes_per_family,
    pc_success: report.pc_success,
    ...(report.ci95 ? { ci95: report.ci95 } : {}),
    families: Object.fromEntries(
      Object.entries(report.families).map(([f, r]) => [f, { pc_success: r.pc_success, ci95: r.ci95 }]),
    ),
  };
}

export function formatEval(report: EvalReport): string {
  const lines = Object.entries(report.families).map(
    ([f, r]) =>
      `${f.padEnd(16)} ${r.pc_success.toFixed(1).padStart(5)} %  [${r.ci95.map((x) => x.toFixed(1)).join(', ')}]`,
  );
  return [
    ...lines,
    `${'all'.padEnd(16)} ${report.pc_success.toFixed(1).padStart(5)} %  (${report.episodes_per_family} episodes per family)`,
  ].join('\n');
}

export function registerEval(program: Command, io: CliIo): void {
  program
    .command('eval')
    .description(
      'evaluate a trained run (tfjs) or an exported ONNX policy bundle closed-loop in the tabletop simulator',
    )
    .option('--run <dir>', 'run folder written by vla train (tfjs policy)')
    .option('--policy <dir>', 'policy bundle written by vla export (onnxruntime policy, no tfjs)')
    .option(
      '--execute-steps <n>',
      'actions executed from each chunk before re-planning (with --policy)',
      positiveInt,
    )
    .option('--episodes <n>', 'episodes per task family (default: the run config, 50)', positiveInt)
    .option('--checkpoint <which>', 'best or last', oneOf(['best', 'last'] as const), 'best')
    .option('--backend <name>', `tfjs backend: ${BACKEND_CHOICES.join(', ')}`, oneOf(BACKEND_CHOICES), 'auto')
    .option('--json', 'print one JSON object as the last line of stdout')
    .action(
      async (opts: {
        run?: string;
        policy?: string;
        executeSteps?: number;
        episodes?: number;
        checkpoint: 'best' | 'last';
        backend: BackendChoice;
        json?: boolean;
      }) => {
        const logger = cliLogger(io);
        if ((opts.run === undefined) === (opts.policy === undefined)) {
          throw new VlakitError(
            'input',
            'give exactly one of --run <dir> (a training run) or --policy <dir> (an ONNX bundle)',
          );
        }
        if (opts.policy !== undefined) {
          const report = await evaluatePolicyBundle(resolve(io.cwd, opts.policy), opts, io);
          printResult(io, Boolean(opts.json), evalJson(report), () => formatEval(report));
          return;
        }
        const runDir = resolve(io.cwd, opts.run!);
        if (!existsSync(join(runDir, 'config.json'))) {
          throw new VlakitError(
            'checkpoint',
            `--run ${quote(opts.run)} is not a run folder: ${join(runDir, 'config.json')} does not exist (vla train writes it)`,
          );
        }
        await useBackend(opts.backend, logger);
        const sim = await tabletopFunctions();
        const { registry } = await loadInstalledPlugins(io.cwd, logger);
        const bar = new ProgressBar(io, 'eval |{bar}| {value}/{total} episodes | ETA {eta}s');
        let report: EvalReport;
        try {
          report = await evaluateRun(runDir, {
            registry,
            evaluatePolicy: sim.evaluatePolicy,
            checkpoint: opts.checkpoint,
            ...(opts.episodes !== undefined ? { episodesPerFamily: opts.episodes } : {}),
            onProgress: (d, t) => bar.update(d, t),
          });
        } finally {
          bar.stop();
        }
        printResult(io, Boolean(opts.json), evalJson(report), () => formatEval(report));
      },
    );
}

/** `vla eval --policy`: the ONNX bundle through onnxruntime, with the trainer's default eval settings. */
async function evaluatePolicyBundle(
  dir: string,
  opts: { policy?: string; episodes?: number; executeSteps?: number },
  io: CliIo,
): Promise<EvalReport> {
  if (!existsSync(join(dir, 'policy.json'))) {
    throw new VlakitError(
      'runtime',
      `--policy ${quote(opts.policy)} is not a policy bundle: ${join(dir, 'policy.json')} does not exist (vla export writes it)`,
    );
  }
  const sim = await tabletopFunctions();
  const settings = evalOptions(evalConfigSchema.parse({}), undefined, {
    ...(opts.episodes !== undefined ? { episodesPerFamily: opts.episodes } : {}),
    ...(opts.executeSteps !== undefined ? { executeSteps: opts.executeSteps } : {}),
  });
  const bar = new ProgressBar(io, 'eval |{bar}| {value}/{total} episodes | ETA {eta}s');
  try {
    return (await evaluateBundle(dir, (policy, o) => sim.evaluatePolicy(policy as never, o as never), {
      ...settings,
      onProgress: (d: number, t: number) => bar.update(d, t),
    })) as EvalReport;
  } finally {
    bar.stop();
  }
}
