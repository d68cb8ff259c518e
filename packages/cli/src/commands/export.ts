import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { quote, VlakitError } from '@vlakit/core';
import { exportRun } from '@vlakit/export-onnx';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { type CliIo, printResult } from '../cli-io.js';
import { cliLogger } from '../cli-logger.js';
import { loadInstalledPlugins } from '../plugin-catalog.js';

interface ExportOptions {
  run: string;
  out?: string;
  checkpoint: string;
  tolerance: string;
  json?: boolean;
}

function parseCheckpoint(v: string): 'best' | 'last' | number {
  if (v === 'best' || v === 'last') return v;
  if (/^\d+$/.test(v)) return Number(v);
  throw new VlakitError('config', `--checkpoint ${quote(v)} must be best, last or a step number`);
}

/** `vla export --run DIR [--out DIR]`: a run's checkpoint -> ONNX policy bundle, checked against tfjs. */
export function registerExport(program: Command, io: CliIo): void {
  program
    .command('export')
    .description(
      'export a training run to an ONNX policy bundle (model.onnx + policy.json), checked against tfjs',
    )
    .requiredOption('--run <dir>', 'run folder (config.json + checkpoints/)')
    .option('--out <dir>', 'bundle folder (default <run>/policy)')
    .option('--checkpoint <which>', 'best, last or a step number', 'best')
    .option('--tolerance <x>', 'largest max abs difference to tfjs accepted', '1e-4')
    .option('--json', 'print one JSON object as the last line of stdout')
    .action(async (opts: ExportOptions) => {
      const runDir = resolve(io.cwd, opts.run);
      const configPath = join(runDir, 'config.json');
      if (!existsSync(configPath))
        throw new VlakitError(
          'checkpoint',
          `--run ${quote(opts.run)} is not a run folder: ${configPath} does not exist`,
        );
      const tolerance = Number(opts.tolerance);
      if (!(tolerance > 0))
        throw new VlakitError('config', `--tolerance ${quote(opts.tolerance)} must be a positive number`);
      const checkpoint = parseCheckpoint(opts.checkpoint);
      const raw = JSON.parse(readFileSync(configPath, 'utf8')) as { plugins?: unknown };
      const extra = Array.isArray(raw.plugins)
        ? raw.plugins.filter((p): p is string => typeof p === 'string')
        : [];
      const { registry } = await loadInstalledPlugins(io.cwd, cliLogger(io), extra);
      const bar = io.interactive
        ? new cliProgress.SingleBar(
            { format: 'export [{bar}] {value}/{total} {step}', stream: process.stderr },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      let started = false;
      const result = await exportRun(runDir, {
        registry,
        checkpoint,
        tolerance,
        ...(opts.out ? { outDir: resolve(io.cwd, opts.out) } : {}),
        onProgress: (step, done, total) => {
          if (bar) {
            if (!started) bar.start(total, done, { step });
            else bar.update(done, { step });
            started = true;
          } else io.stderr(`export: ${step} (${done + 1}/${total})\n`);
        },
      }).finally(() => bar?.stop());
      const out = { bundle: result.bundleDir, parity_max_abs_diff: result.parityMaxAbsDiff };
      printResult(
        io,
        Boolean(opts.json),
        out,
        () =>
          `exported ${result.bundleDir} (step ${result.policy.source.step}, ${result.nodeCount} ONNX nodes, ${(result.modelBytes / 1024).toFixed(1)} KiB); parity max abs diff ${result.parityMaxAbsDiff.toExponential(2)} at batch ${result.policy.parity.batches.join(' and ')}`,
      );
    });
}
