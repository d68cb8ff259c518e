import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  buildPipeline,
  deriveSeed,
  type Logger,
  type Pipeline,
  quote,
  SeededRandom,
  type StageRegistry,
  VlakitError,
  writeFileAtomic,
} from '@vlakit/core';
import { writeAttentionMaps } from './attention-maps.js';
import { augmentImages } from './augment.js';
import { createBatchPolicy, type EvalReport, pipelineFeeds } from './batch-policy.js';
import type { BatchSource, TrainingBatch, TrainingData } from './batch-source.js';
import {
  assignWeights,
  type CheckpointState,
  listCheckpoints,
  pruneCheckpoints,
  readCheckpoint,
  stepDirName,
  writeCheckpoint,
} from './checkpoint.js';
import { clipByGlobalNorm } from './clip-gradients.js';
import { type EvaluatePolicyFn, evalOptions, pipelineImageSize } from './evaluate-run.js';
import { keypointLoss, keypointTargets } from './keypoint-loss.js';
import { writeKeypointOverlays } from './keypoint-overlay.js';
import { bceWithLogits, maskedActionLoss } from './losses.js';
import { learningRateAt } from './lr-schedule.js';
import { MetricsLog, type MetricsRecord } from './metrics-log.js';
import { Optimizer } from './optimizer.js';
import { writeLossCurve } from './run-report.js';
import type { TrainExperimentConfig } from './training-config.js';
import { type GenerateDatasetFn, openTrainingData } from './training-data.js';

export interface TrainProgress {
  readonly phase: 'train' | 'validate' | 'evaluate';
  readonly step: number;
  readonly totalSteps: number;
  readonly loss: number;
  readonly lr: number;
  readonly samplesPerSecond: number;
  readonly etaSeconds: number;
}

export interface TrainOptions {
  /** The run folder (runs/<name>). */
  readonly outDir: string;
  /** Stage plugins to build the pipeline from. */
  readonly registry: StageRegistry;
  /** Continue from the run folder's latest checkpoint. */
  readonly resume?: boolean;
  /** Batches to train on; by default opened from `config.data`. */
  readonly data?: TrainingData;
  /** Folder that relative data paths are resolved against (the config file's folder). */
  readonly baseDir?: string;
  /** Default folder for generated tabletop demonstrations (`data.source: tabletop`). */
  readonly cacheDir?: string;
  /** The simulator's demonstration generator, for `data.source: tabletop`. */
  readonly generate?: GenerateDatasetFn;
  readonly onGenerateProgress?: (done: number, total: number) => void;
  /** The simulator's evaluator: closed-loop evaluation every `eval.every` steps and at the end. */
  readonly evaluatePolicy?: EvaluatePolicyFn;
  readonly onProgress?: (progress: TrainProgress) => void;
  readonly logger?: Logger;
  /** Stop (with a checkpoint) after this step, as an interrupted run would; resume continues. */
  readonly stopAfterStep?: number;
  /** Milliseconds for timing steps against `timeBudgetSeconds` (default `performance.now`; tests pass a fake clock). */
  readonly clock?: () => number;
}

export interface TrainResult {
  readonly runDir: string;
  readonly step: number;
  readonly totalSteps: number;
  readonly finalLoss: number;
  readonly validationLoss: number | undefined;
  readonly bestStep: number | undefined;
  readonly trainSeconds: number;
  readonly backend: string;
  readonly evaluation: EvalReport | undefined;
  /** True when the run stopped at `stopAfterStep` before its last step. */
  readonly interrupted: boolean;
}

interface LossParts {
  total: tf.Scalar;
  action: tf.Scalar;
  task: tf.Scalar;
  /** The keypoint loss (0 without `training.keypointLoss`). */
  keypoint: tf.Scalar;
  /** Mean keypoint position error in score-map cells (0 without `training.keypointLoss`). */
  keypointError: tf.Scalar;
}

/**
 * The loss on one batch: lambda_action * L_action + lambda_task * L_task, plus
 * keypointLoss.weight * L_keypoint when keypoint supervision is configured.
 */
export function batchLoss(
  pipeline: Pipeline,
  batch: TrainingBatch,
  config: TrainExperimentConfig,
  augment: SeededRandom | undefined,
): LossParts {
  const { training } = config;
  return tf.tidy(() => {
    const b = batch.size;
    const c = batch.imageChannels ?? 3;
    const wants = pipeline.inputs.find((i) => i.name === 'image')?.shape[3];
    if (typeof wants === 'number' && wants !== c) {
      throw new VlakitError(
        'config',
        `the batches carry ${c}-channel images (${c === 6 ? 'data.startFrame: true' : 'data.startFrame off'}) but the pipeline's image input takes ${wants} channels; set the vision stage's channels option to ${c} (vit: channels) or data.startFrame to ${wants === 6}`,
      );
    }
    let images = tf.tensor4d(batch.images, [b, batch.imageHeight, batch.imageWidth, c]); // (B, H, W, C)
    if (augment) images = augmentImages(images, training.augment, augment); // (B, H, W, C)
    const states = tf.tensor2d(batch.states, [b, batch.stateDim]); // (B, S)
    const kp = training.keypointLoss;
    const run = pipeline.run(pipelineFeeds(pipeline, images, batch.instructions, states), {
      training: augment !== undefined,
      inspect: kp !== undefined,
    });
    const out = run.outputs;
    const pred = out['actions']!; // (B, T, A)
    const [, t, a] = pred.shape as [number, number, number];
    if (t !== batch.chunk || a !== batch.actionDim) {
      throw new VlakitError(
        'shape',
        `the decoder predicts chunks of ${t} steps x ${a} actions but the data has ${batch.chunk} x ${batch.actionDim}; set the decoder's chunk (and action size) to data.chunkLength (${batch.chunk})`,
      );
    }
    const target = tf.tensor3d(batch.actions, [b, t, a]); // (B, T, A)
    const mask = tf.tensor2d(batch.actionMask, [b, t]); // (B, T)
    const action = maskedActionLoss(pred, target, mask, training.actionLoss); // ()
    const task = bceWithLogits(out['done']!, tf.tensor1d(batch.done)); // ()
    let total = tf.add(tf.mul(action, training.lambdaAction), tf.mul(task, training.lambdaTask)); // ()
    let keypoint = tf.scalar(0);
    let keypointError = tf.scalar(0);
    if (kp) {
      const inspected = run.inspections?.[kp.stage];
      const logits = inspected?.['keypointLogits']; // (B, K, H, W)
      const positions = inspected?.['keypoints']; // (B, K, 2)
      if (logits === undefined || logits.rank !== 4 || positions === undefined) {
        throw new VlakitError(
          'config',
          `training.keypointLoss: stage ${quote(kp.stage)} has no keypointLogits and keypoints outputs; give it a keypoint readout (vit option keypoints: K)`,
        );
      }
      const targets = keypointTargets(batch, kp, logits.shape[2]!, logits.shape[3]!);
      ({ loss: keypoint, error: keypointError } = keypointLoss(
        logits,
        positions,
        targets,
        kp.positionWeight,
      ));
      total = tf.add(total, tf.mul(keypoint, kp.weight));
    }
    return { total: total as tf.Scalar, action, task, keypoint, keypointError };
  });
}

/** Mean validation losses over `batches` batches (total and its parts); the source is rewound afterwards. */
async function validationLoss(
  pipeline: Pipeline,
  source: BatchSource,
  config: TrainExperimentConfig,
  batches: number,
): Promise<{ total: number; action: number; task: number; keypoint: number }> {
  const start = source.getState();
  const sum = { total: 0, action: 0, task: 0, keypoint: 0 };
  for (let i = 0; i < batches; i++) {
    const batch = await source.next();
    const parts = batchLoss(pipeline, batch, config, undefined);
    const values = tf.tidy(() => tf.stack([parts.total, parts.action, parts.task, parts.keypoint])); // (4)
    const [total, action, task, keypoint] = (await values.data()) as Float32Array;
    sum.total += total!;
    sum.action += action!;
    sum.task += task!;
    sum.keypoint += keypoint!;
    tf.dispose([values, parts.total, parts.action, parts.task, parts.keypoint, parts.keypointError]);
  }
  source.setState(start);
  return {
    total: sum.total / batches,
    action: sum.action / batches,
    task: sum.task / batches,
    keypoint: sum.keypoint / batches,
  };
}

/** Loads pretrained weights into stages whose spec names a folder. */
async function loadPretrained(
  pipeline: Pipeline,
  baseDir: string,
  logger: Logger | undefined,
): Promise<void> {
  for (const [name, spec] of Object.entries(pipeline.spec.stages)) {
    if (spec.pretrained === undefined) continue;
    const stage = pipeline.stage(name);
    if (!stage.loadPretrained) {
      throw new VlakitError(
        'config',
        `stage '${name}' (${stage.pluginId}) names pretrained ${quote(spec.pretrained)} but its plugin cannot load pretrained weights`,
      );
    }
    const report = await stage.loadPretrained(resolve(baseDir, spec.pretrained));
    logger?.info(
      `stage '${name}': loaded ${report.loaded.length} pretrained tensors from ${spec.pretrained}`,
    );
  }
}

/**
 * Trains `config.pipeline` end to end on `config.data` and writes the run folder: config.json,
 * normalization.json, checkpoints/step-<N>/ (model, optimizer, state), metrics.jsonl.
 */
export async function train(config: TrainExperimentConfig, options: TrainOptions): Promise<TrainResult> {
  const runDir = resolve(options.outDir);
  const checkpointsDir = join(runDir, 'checkpoints');
  const clock = options.clock ?? (() => performance.now());
  const { training } = config;
  const existing = listCheckpoints(checkpointsDir);
  if (!options.resume && existing.length > 0) {
    throw new VlakitError(
      'config',
      `run folder ${quote(runDir)} already holds checkpoints (last step ${existing.at(-1)}); pass --resume to continue it or choose another --out`,
    );
  }
  if (options.resume && existing.length === 0) {
    throw new VlakitError(
      'checkpoint',
      `--resume: run folder ${quote(runDir)} holds no checkpoint to resume from`,
    );
  }
  const configPath = join(runDir, 'config.json');
  if (options.resume && existsSync(configPath)) {
    const saved = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    const differ = (['seed', 'pipeline', 'data', 'training'] as const).filter(
      (k) => JSON.stringify(saved[k]) !== JSON.stringify(config[k]),
    );
    if (differ.length > 0) {
      throw new VlakitError(
        'config',
        `--resume: the config's ${differ.join(', ')} differ${differ.length === 1 ? 's' : ''} from the run's config.json; an exact resume needs the same experiment`,
      );
    }
  }
  await tf.ready();
  const backend = tf.getBackend();
  const data =
    options.data ??
    (await openTrainingData(config, {
      baseDir: options.baseDir ?? process.cwd(),
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      ...(options.generate ? { generate: options.generate } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.onGenerateProgress ? { onGenerateProgress: options.onGenerateProgress } : {}),
    }));
  options.logger?.info(`data: ${data.description}`);
  const pipeline = buildPipeline(config.pipeline, options.registry, { seed: config.seed });
  const optimizer = new Optimizer(training.optimizer);
  const metrics = new MetricsLog(join(runDir, 'metrics.jsonl'));
  try {
    const variables = pipeline.variables();
    const stageOf = (name: string) => name.slice(0, name.indexOf('/'));
    const trainable = new Map(
      [...pipeline.trainableVariables()].filter(([n]) => pipeline.lrMultiplier(stageOf(n)) > 0),
    );
    if (trainable.size === 0)
      throw new VlakitError(
        'config',
        'every variable is frozen (trainable false or lrMultiplier 0); nothing to train',
      );
    const tfNames = new Map([...trainable].map(([n, v]) => [v.name, n]));
    const rng = new SeededRandom(deriveSeed(config.seed, 'augment'));
    const augment = training.augment.shift > 0 || training.augment.brightness > 0;
    let step = 0;
    let totalSteps = training.steps;
    let best: CheckpointState['best'] = null;
    let trainSeconds = 0;
    let lastLoss = Number.NaN;
    let lastVal: number | undefined;
    let evaluation: EvalReport | undefined;

    if (options.resume) {
      const last = existing.at(-1)!;
      const ckpt = readCheckpoint(join(checkpointsDir, stepDirName(last)));
      assignWeights(variables, ckpt.model, join(ckpt.dir, 'model.safetensors'));
      optimizer.setState(ckpt.optimizer);
      rng.setState(ckpt.state.rng);
      data.train.setState(ckpt.state.data);
      step = ckpt.state.step;
      totalSteps = ckpt.state.totalSteps;
      best = ckpt.state.best;
      trainSeconds = ckpt.state.trainSeconds;
      metrics.truncateAfter(step);
      options.logger?.info(`resuming ${runDir} from step ${step} of ${totalSteps}`);
    } else {
      await loadPretrained(pipeline, options.baseDir ?? process.cwd(), options.logger);
      writeFileAtomic(configPath, `${JSON.stringify(config, null, 2)}\n`);
      writeFileAtomic(join(runDir, 'normalization.json'), `${JSON.stringify(data.normalization, null, 2)}\n`);
      if (data.datasetStats !== undefined)
        writeFileAtomic(
          join(runDir, 'dataset-stats.json'),
          `${JSON.stringify(data.datasetStats, null, 2)}\n`,
        );
    }

    // one optimiser step's gradients: mean over `accumulate` micro-batches
    const computeStep = async (): Promise<{ grads: Map<string, tf.Tensor>; parts: tf.Tensor1D }> => {
      let acc: Map<string, tf.Tensor> | undefined;
      let sums: tf.Tensor1D | undefined;
      const varList = [...trainable.values()];
      for (let m = 0; m < training.accumulate; m++) {
        const batch = await data.train.next();
        let kept: tf.Tensor[] = [];
        const { value, grads } = tf.variableGrads(() => {
          const p = batchLoss(pipeline, batch, config, augment ? rng : undefined);
          kept = [tf.keep(p.action), tf.keep(p.task), tf.keep(p.keypoint), tf.keep(p.keypointError)];
          return p.total;
        }, varList);
        const parts = tf.stack([value, ...kept]) as tf.Tensor1D; // (5)
        tf.dispose([value, ...kept]);
        const next = new Map<string, tf.Tensor>();
        for (const [tfName, g] of Object.entries(grads)) {
          const name = tfNames.get(tfName)!;
          next.set(name, acc ? tf.add(acc.get(name)!, g) : g);
          if (acc) g.dispose();
        }
        if (acc) tf.dispose([...acc.values()]);
        acc = next;
        const s = sums ? tf.add(sums, parts) : parts;
        if (sums) tf.dispose([sums, parts]);
        sums = s as tf.Tensor1D;
      }
      if (training.accumulate === 1) return { grads: acc!, parts: sums! };
      const k = training.accumulate;
      const grads = new Map([...acc!].map(([n, g]) => [n, tf.div(g, k)]));
      const parts = tf.div(sums!, k) as tf.Tensor1D;
      tf.dispose([...acc!.values(), sums!]);
      return { grads, parts };
    };

    if (!options.resume && training.timeBudgetSeconds !== undefined) {
      // size the schedule to the budget: time a few gradient steps on one batch, then rewind
      const dataState = data.train.getState();
      const rngState = rng.getState();
      const probe = 3;
      let ms = 0;
      for (let i = 0; i <= probe; i++) {
        data.train.setState(dataState);
        const t0 = clock();
        const { grads, parts } = await computeStep();
        await parts.data();
        if (i > 0) ms += clock() - t0; // the first run compiles kernels
        tf.dispose([...grads.values(), parts]);
      }
      data.train.setState(dataState);
      rng.setState(rngState);
      const perStep = (ms / probe / 1000) * 1.1; // + optimiser update and bookkeeping
      totalSteps = Math.max(1, Math.min(training.steps, Math.floor(training.timeBudgetSeconds / perStep)));
      options.logger?.info(
        `time budget ${training.timeBudgetSeconds}s at ~${(perStep * 1000).toFixed(0)} ms/step: training ${totalSteps} steps`,
      );
    }

    const samplesPerStep = training.batchSize * training.accumulate;
    const metricOf = (train: number, val: number | undefined) => val ?? train;
    const save = (metric: number) => {
      if (best === null || metric < best.metric) best = { step, metric };
      const state: CheckpointState = {
        step,
        totalSteps,
        rng: rng.getState(),
        data: data.train.getState(),
        config,
        normalization: data.normalization,
        metric,
        best,
        backend,
        trainSeconds,
      };
      writeCheckpoint(checkpointsDir, variables, optimizer.getState(), state);
      pruneCheckpoints(checkpointsDir, training.keepLast, best.step);
      writeFileAtomic(join(checkpointsDir, 'best.json'), `${JSON.stringify(best)}\n`);
    };

    let interrupted = false;
    const recent: number[] = [];
    const resizeAt = Math.max(10, Math.min(training.schedule.warmupSteps, 50));
    while (step < totalSteps) {
      const t0 = clock();
      const lr = learningRateAt(step, totalSteps, training.learningRate, training.schedule);
      const { grads, parts } = await computeStep();
      const clipped = clipByGlobalNorm(grads, training.clipNorm);
      tf.dispose([...grads.values()]);
      const stats = tf.tidy(() => tf.concat([parts, clipped.norm.reshape([1])])); // (6)
      const [loss, actionLoss, taskLoss, keypointPart, keypointError, gradNorm] =
        (await stats.data()) as Float32Array;
      tf.dispose([stats, parts, clipped.norm]);
      if (!Number.isFinite(loss!) || !Number.isFinite(gradNorm!)) {
        tf.dispose([...clipped.grads.values()]);
        const good = listCheckpoints(checkpointsDir).at(-1);
        throw new VlakitError(
          'training',
          `the loss is ${loss} at step ${step + 1} (action ${actionLoss}, task ${taskLoss}${training.keypointLoss ? `, keypoint ${keypointPart}` : ''}, gradient norm ${gradNorm}); the run stopped. ${good === undefined ? 'No checkpoint was written yet.' : `The last good checkpoint is ${join(checkpointsDir, stepDirName(good))}.`} Lower training.learningRate (${training.learningRate}) or check the data for NaN/Inf values.`,
          { details: { step: step + 1, loss, lastGoodCheckpoint: good } },
        );
      }
      optimizer.apply(trainable, clipped.grads, lr, (n) => pipeline.lrMultiplier(stageOf(n)));
      tf.dispose([...clipped.grads.values()]);
      step += 1;
      lastLoss = loss!;
      const seconds = (clock() - t0) / 1000;
      trainSeconds += seconds;
      const record: MetricsRecord = {
        step,
        loss,
        action_loss: actionLoss,
        task_loss: taskLoss,
        ...(training.keypointLoss ? { keypoint_loss: keypointPart, keypoint_error: keypointError } : {}),
        lr,
        grad_norm: gradNorm,
        samples_per_s: samplesPerStep / seconds,
      };
      const rate = (step * samplesPerStep) / Math.max(trainSeconds, 1e-9);
      options.onProgress?.({
        phase: 'train',
        step,
        totalSteps,
        loss: loss!,
        lr,
        samplesPerSecond: rate,
        etaSeconds: ((totalSteps - step) * samplesPerStep) / rate,
      });
      // under a time budget, re-size the run once with the measured pace, at the end of the warmup
      // (the warmup's rates do not depend on the total, so the schedule stays consistent)
      recent.push(seconds);
      if (training.timeBudgetSeconds !== undefined && !options.resume && step === resizeAt) {
        const pace = [...recent].sort((a, b) => a - b)[Math.floor(recent.length / 2)]! * 1.05;
        const fits = step + Math.floor((training.timeBudgetSeconds - trainSeconds) / pace);
        totalSteps = Math.max(step, Math.min(training.steps, fits));
        options.logger?.info(
          `time budget: ${(pace * 1000).toFixed(0)} ms/step measured, training ${totalSteps} steps`,
        );
      } else if (
        training.timeBudgetSeconds !== undefined &&
        !options.resume &&
        step > resizeAt &&
        step % resizeAt === 0
      ) {
        // when the pace drifts (later steps slower under other load, or faster once the warmup's
        // slow first steps are behind), re-size the run to what the average pace so far leaves room
        // for; the schedule follows the new total (growing it raises the cosine's rate a little, so
        // it grows only past 2 % and never beyond training.steps)
        const fits = step + Math.floor((training.timeBudgetSeconds - trainSeconds) / (trainSeconds / step));
        if (fits < totalSteps) totalSteps = Math.max(step, fits);
        else if (fits > totalSteps * 1.02) totalSteps = Math.min(training.steps, fits);
      }
      const final = step === totalSteps;
      if (data.validation && ((training.validateEvery > 0 && step % training.validateEvery === 0) || final)) {
        const val = await validationLoss(pipeline, data.validation, config, training.validationBatches);
        lastVal = val.total;
        record['val_loss'] = val.total;
        record['val_action_loss'] = val.action;
        record['val_task_loss'] = val.task;
        if (training.keypointLoss) record['val_keypoint_loss'] = val.keypoint;
      }
      const evalDue =
        (config.eval.every > 0 && step % config.eval.every === 0) || (final && config.eval.atEnd);
      if (options.evaluatePolicy && evalDue) {
        options.onProgress?.({
          phase: 'evaluate',
          step,
          totalSteps,
          loss: loss!,
          lr,
          samplesPerSecond: rate,
          etaSeconds: 0,
        });
        evaluation = await options.evaluatePolicy(
          createBatchPolicy(pipeline, data.normalization),
          evalOptions(config.eval, pipelineImageSize(pipeline.inputs)),
        );
        record['eval'] = evaluation;
      }
      if (step % training.logEvery === 0 || final || record['val_loss'] !== undefined || record['eval'])
        metrics.append(record);
      const stopHere = options.stopAfterStep !== undefined && step >= options.stopAfterStep && !final;
      if (final || stopHere || step % training.checkpointEvery === 0) save(metricOf(loss!, lastVal));
      if (stopHere) {
        interrupted = true;
        break;
      }
      if (
        training.timeBudgetSeconds !== undefined &&
        trainSeconds > training.timeBudgetSeconds * 1.2 &&
        !final
      ) {
        options.logger?.warn(
          `time budget ${training.timeBudgetSeconds}s exceeded at step ${step} of ${totalSteps}; stopping`,
        );
        totalSteps = step;
        save(metricOf(loss!, lastVal));
      }
    }
    if (!interrupted) {
      writeLossCurve(runDir);
      const source = data.validation ?? data.train;
      const at = source.getState();
      const sample = await source.next();
      writeAttentionMaps(pipeline, sample, runDir);
      writeKeypointOverlays(pipeline, sample, runDir);
      source.setState(at);
    }
    const finalBest = best as CheckpointState['best'];
    return {
      runDir,
      step,
      totalSteps,
      finalLoss: lastLoss,
      validationLoss: lastVal,
      bestStep: finalBest?.step,
      trainSeconds,
      backend,
      evaluation,
      interrupted,
    };
  } finally {
    optimizer.dispose();
    pipeline.dispose();
    await data.close?.();
  }
}
