import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  quote,
  readSafetensorsFile,
  type TensorToWrite,
  toFloat32,
  VlakitError,
  writeFileAtomic,
  writeSafetensorsFile,
} from '@vlakit/core';
import type { NormalizationStats } from './batch-source.js';
import { checkNormalization } from './normalization.js';

/** What state.json holds beside the weights and optimiser slots. */
export interface CheckpointState {
  /** Optimiser steps completed. */
  step: number;
  /** Total steps this run trains for (fixed at the start, also under a time budget). */
  totalSteps: number;
  /** The augmentation generator's state. */
  rng: number[];
  /** The training batch source's state. */
  data: unknown;
  /** The resolved experiment config. */
  config: unknown;
  normalization: NormalizationStats;
  /** The metric that ranks checkpoints (validation loss, else training loss); lower is better. */
  metric: number;
  best: { step: number; metric: number } | null;
  backend: string;
  /** Training wall time so far, seconds. */
  trainSeconds: number;
}

export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const STATE_FILE = 'state.json';

export const stepDirName = (step: number) => `step-${step}`;

/**
 * Writes checkpoints/step-<N>/ atomically: the files go into a temporary sibling folder that is
 * renamed into place, so a crash never leaves a half-written checkpoint under a step name.
 */
export function writeCheckpoint(
  checkpointsDir: string,
  variables: ReadonlyMap<string, tf.Variable>,
  optimizer: { step: number; slots: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }> },
  state: CheckpointState,
): string {
  mkdirSync(checkpointsDir, { recursive: true });
  const final = join(checkpointsDir, stepDirName(state.step));
  const tmp = join(checkpointsDir, `.tmp-${stepDirName(state.step)}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    const model = new Map<string, TensorToWrite>();
    for (const [name, v] of variables)
      model.set(name, { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array });
    writeSafetensorsFile(join(tmp, MODEL_FILE), model, { format: 'vlakit', step: String(state.step) });
    const slots = new Map<string, TensorToWrite>();
    for (const [name, s] of optimizer.slots) slots.set(name, { dtype: 'F32', shape: s.shape, data: s.data });
    writeSafetensorsFile(join(tmp, OPTIMIZER_FILE), slots, { step: String(optimizer.step) });
    writeFileAtomic(join(tmp, STATE_FILE), `${JSON.stringify(state, null, 1)}\n`);
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  return final;
}

/** Step numbers of the complete checkpoints in `checkpointsDir`, ascending. */
export function listCheckpoints(checkpointsDir: string): number[] {
  if (!existsSync(checkpointsDir)) return [];
  return readdirSync(checkpointsDir)
    .map((n) => /^step-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .filter((s) =>
      [MODEL_FILE, OPTIMIZER_FILE, STATE_FILE].every((f) =>
        existsSync(join(checkpointsDir, stepDirName(s), f)),
      ),
    )
    .sort((a, b) => a - b);
}

/** Deletes step checkpoints beyond the last `keep`, never the `best` one. */
export function pruneCheckpoints(checkpointsDir: string, keep: number, best: number | undefined): void {
  const steps = listCheckpoints(checkpointsDir);
  for (const s of steps.slice(0, Math.max(0, steps.length - keep))) {
    if (s !== best) rmSync(join(checkpointsDir, stepDirName(s)), { recursive: true, force: true });
  }
}

export interface LoadedCheckpoint {
  dir: string;
  state: CheckpointState;
  model: Map<string, { shape: readonly number[]; data: Float32Array }>;
  optimizer: { step: number; slots: Map<string, { shape: readonly number[]; data: Float32Array }> };
}

/** Reads a checkpoint folder; errors name the file and what is wrong. */
export function readCheckpoint(dir: string): LoadedCheckpoint {
  const statePath = join(dir, STATE_FILE);
  let state: CheckpointState;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as CheckpointState;
  } catch (cause) {
    throw new VlakitError('checkpoint', `cannot read ${quote(statePath)}: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (!Number.isInteger(state.step) || !Number.isInteger(state.totalSteps) || !Array.isArray(state.rng)) {
    throw new VlakitError(
      'checkpoint',
      `${statePath}: step ${quote(state.step)}, totalSteps ${quote(state.totalSteps)} and rng must be present`,
    );
  }
  state.normalization = checkNormalization(state.normalization, statePath);
  const read = (file: string) => {
    const f = readSafetensorsFile(join(dir, file));
    const out = new Map<string, { shape: readonly number[]; data: Float32Array }>();
    for (const [name, t] of f.tensors) out.set(name, { shape: t.shape, data: toFloat32(t) });
    return { tensors: out, metadata: f.metadata };
  };
  const model = read(MODEL_FILE).tensors;
  const opt = read(OPTIMIZER_FILE);
  return {
    dir,
    state,
    model,
    optimizer: { step: Number(opt.metadata['step'] ?? state.step), slots: opt.tensors },
  };
}

/** Assigns checkpoint weights to the pipeline's variables; every variable must be present with its shape. */
export function assignWeights(
  variables: ReadonlyMap<string, tf.Variable>,
  weights: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
  source: string,
): void {
  const missing = [...variables.keys()].filter((k) => !weights.has(k));
  if (missing.length > 0) {
    throw new VlakitError(
      'checkpoint',
      `${source} lacks variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => quote(m)).join(', ')} of the pipeline`,
    );
  }
  for (const [name, v] of variables) {
    const w = weights.get(name)!;
    if (w.shape.join(',') !== v.shape.join(',')) {
      throw new VlakitError(
        'checkpoint',
        `${source}: variable ${quote(name)} has shape [${w.shape.join(', ')}], the pipeline expects [${v.shape.join(', ')}]`,
      );
    }
    tf.tidy(() => v.assign(tf.tensor(w.data, v.shape, 'float32')));
  }
}
