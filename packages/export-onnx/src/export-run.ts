import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  buildPipeline,
  discoverPluginPackages,
  loadStageRegistry,
  parseExperimentConfig,
  quote,
  readSafetensorsFile,
  type StageRegistry,
  toFloat32,
  VlakitError,
} from '@vlakit/core';
import { type ExportPipelineOptions, type ExportResult, exportPipeline } from './export-pipeline.js';
import type { NormStats, PolicyNormalization } from './policy-spec.js';

export interface ExportRunOptions extends Partial<Omit<ExportPipelineOptions, 'normalization' | 'meta'>> {
  /** Registry with the run's stage plugins (default: load the packages the config names). */
  readonly registry?: StageRegistry;
  /** Where plugin packages are resolved from (default: the run folder and the working directory). */
  readonly resolveFrom?: readonly string[];
  /** 'best' (default: checkpoints/best.json, else the last), 'last', or a step number. */
  readonly checkpoint?: 'best' | 'last' | number;
}

const runError = (message: string) => new VlakitError('checkpoint', message);

function isStats(v: unknown): v is NormStats {
  const s = v as NormStats;
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray(s.mean) &&
    Array.isArray(s.std) &&
    s.mean.length === s.std.length
  );
}

/** Picks the checkpoint step of a run folder's `checkpoints/`. */
export function pickCheckpoint(runDir: string, which: 'best' | 'last' | number = 'best'): number {
  const dir = join(runDir, 'checkpoints');
  const steps = existsSync(dir)
    ? readdirSync(dir)
        .map((n) => /^step-(\d+)$/.exec(n))
        .filter((m): m is RegExpExecArray => m !== null && existsSync(join(dir, m[0], 'model.safetensors')))
        .map((m) => Number(m[1]))
        .sort((a, b) => a - b)
    : [];
  if (steps.length === 0)
    throw runError(
      `run folder ${quote(runDir)} has no checkpoint with a model.safetensors under checkpoints/`,
    );
  if (typeof which === 'number') {
    if (!steps.includes(which))
      throw runError(
        `run folder ${quote(runDir)} has no checkpoint step ${which}; it has ${steps.join(', ')}`,
      );
    return which;
  }
  if (which === 'best' && existsSync(join(dir, 'best.json'))) {
    const best = JSON.parse(readFileSync(join(dir, 'best.json'), 'utf8')) as { step?: unknown };
    if (typeof best.step === 'number' && steps.includes(best.step)) return best.step;
  }
  return steps.at(-1)!;
}

/**
 * Exports a training run folder (`config.json`, `checkpoints/step-<N>/model.safetensors` +
 * `state.json` with the normalisation statistics) to a policy bundle, by default `<run>/policy`.
 */
export async function exportRun(runDir: string, options: ExportRunOptions = {}): Promise<ExportResult> {
  const dir = resolve(runDir);
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath))
    throw runError(`${quote(dir)} is not a run folder: it has no config.json (made by vla train)`);
  const config = parseExperimentConfig(JSON.parse(readFileSync(configPath, 'utf8')), configPath);
  const step = pickCheckpoint(dir, options.checkpoint);
  const ckptDir = join(dir, 'checkpoints', `step-${step}`);
  const statePath = join(ckptDir, 'state.json');
  if (!existsSync(statePath))
    throw runError(`checkpoint ${quote(ckptDir)} has no state.json (it holds the normalisation statistics)`);
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as {
    normalization?: { action?: unknown; state?: unknown };
  };
  const norm = state.normalization;
  if (!norm || !isStats(norm.action))
    throw runError(
      `${quote(statePath)} has no normalization.action {mean, std}: the policy could not return actions in real units`,
    );
  const normalization: PolicyNormalization = {
    action: norm.action,
    ...(isStats(norm.state) ? { state: norm.state } : {}),
  };

  // the plugins the config names plus every installed plugin package (a run's config.json need
  // not list the built-in stage packages)
  const from = options.resolveFrom ?? [dir, process.cwd()];
  const names = [...new Set([...config.plugins, ...discoverPluginPackages(from).map((p) => p.name)])];
  const registry = options.registry ?? (await loadStageRegistry(names, { resolveFrom: from })).registry;
  const pipeline = buildPipeline(config.pipeline, registry, { seed: config.seed });
  try {
    const weights = readSafetensorsFile(join(ckptDir, 'model.safetensors'));
    for (const [name, v] of pipeline.variables()) {
      const w = weights.tensors.get(name);
      if (w === undefined)
        throw runError(
          `${quote(join(ckptDir, 'model.safetensors'))} lacks the pipeline variable ${quote(name)}`,
        );
      if (w.shape.join(',') !== v.shape.join(','))
        throw runError(
          `variable ${quote(name)} has shape [${w.shape.join(', ')}] in the checkpoint, the pipeline expects [${v.shape.join(', ')}]`,
        );
      tf.tidy(() => v.assign(tf.tensor(toFloat32(w), v.shape, 'float32')));
    }
    return await exportPipeline(pipeline, {
      ...options,
      outDir: options.outDir ?? join(dir, 'policy'),
      normalization,
      meta: { run: dir, step, pipeline: config.pipeline },
    });
  } finally {
    pipeline.dispose();
  }
}
