import * as tf from '@tensorflow/tfjs';
import {
  buildPipeline,
  createVlakitContainer,
  memoryLogger,
  type Pipeline,
  StageRegistry,
} from '@vlakit/core';
import { testStagesModule } from '@vlakit/core/testing';
import { containerModule as mlpModule } from '@vlakit/decoder-mlp';
import { containerModule as stateModule } from '@vlakit/encoder-state';
import { containerModule as attentionModule } from '@vlakit/fusion-attention';
import { containerModule as concatModule } from '@vlakit/fusion-concat';
import { containerModule as gruModule } from './index.js';

/*
 * Test helpers (not part of the build): a registry with core's test encoders and every stage
 * plugin of this family, a fixed batch, and a few optimiser steps on the standard VLA loss.
 */

export function familyRegistry(): StageRegistry {
  const container = createVlakitContainer({ logger: memoryLogger() });
  container.load(testStagesModule, attentionModule, concatModule, gruModule, mlpModule, stateModule);
  return StageRegistry.fromContainer(container);
}

export const CHUNK = 4;
export const IMAGE = 8;
export const TEXT = 6;

/** A fixed batch: image (B, 8, 8, 3), tokenIds (B, 6), mask (B, 6), state (B, 2), targets. */
export function fixedBatch(batch: number): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const lengths = Array.from({ length: batch }, (_, b) => 2 + (b % (TEXT - 1)));
    return {
      image: tf.randomUniform([batch, IMAGE, IMAGE, 3], 0, 1, 'float32', 21),
      tokenIds: tf.tensor2d(
        Array.from({ length: batch * TEXT }, (_, i) => 1 + ((i * 7 + Math.floor(i / TEXT)) % 30)),
        [batch, TEXT],
        'int32',
      ),
      mask: tf.tensor2d(
        Array.from({ length: batch * TEXT }, (_, i) => (i % TEXT < lengths[Math.floor(i / TEXT)]! ? 1 : 0)),
        [batch, TEXT],
      ),
      state: tf.randomUniform([batch, 2], -1, 1, 'float32', 22),
      targetActions: tf.randomUniform([batch, CHUNK, 2], -1, 1, 'float32', 23),
      targetDone: tf.tensor2d(
        Array.from({ length: batch }, (_, b) => b % 2),
        [batch, 1],
      ),
    };
  });
}

/** L = MSE(actions) + BCE(done logit), as the trainer defines it. */
export function vlaLoss(pipeline: Pipeline, batch: Record<string, tf.Tensor>): tf.Scalar {
  return tf.tidy(() => {
    const feeds: Record<string, tf.Tensor> = {};
    for (const input of pipeline.inputs) feeds[input.name] = batch[input.name]!;
    const out = pipeline.forward(feeds, { training: true });
    const action = tf.losses.meanSquaredError(batch['targetActions']!, out['actions']!);
    const task = tf.losses.sigmoidCrossEntropy(batch['targetDone']!, out['done']!);
    return tf.add(action, task) as tf.Scalar;
  });
}

/** Runs `steps` Adam steps on one batch; returns the loss before each step. */
export function trainSteps(
  pipeline: Pipeline,
  batch: Record<string, tf.Tensor>,
  steps: number,
  learningRate = 0.01,
): number[] {
  const optimizer = tf.train.adam(learningRate);
  const vars = [...pipeline.trainableVariables().values()];
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = optimizer.minimize(() => vlaLoss(pipeline, batch), true, vars)!;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  optimizer.dispose();
  return losses;
}

export const stageSets = {
  'cross-attention + gru + state-mlp': {
    vision: { plugin: 'test-vision', options: { imageSize: IMAGE, patchSize: 4, dim: 8 } },
    language: { plugin: 'test-language', options: { maxLength: TEXT, dim: 8 } },
    state: { plugin: 'state-mlp', options: { hidden: [8], dim: 8 } },
    fusion: { plugin: 'cross-attention', options: { dim: 16, heads: 2 } },
    decoder: { plugin: 'gru', options: { hidden: 16, chunk: CHUNK, queryDim: 8 } },
  },
  'cross-attention (vision queries) + mlp': {
    vision: { plugin: 'test-vision', options: { imageSize: IMAGE, patchSize: 4, dim: 8 } },
    language: { plugin: 'test-language', options: { maxLength: TEXT, dim: 8 } },
    fusion: { plugin: 'cross-attention', options: { dim: 16, heads: 4, query: 'vision' } },
    decoder: { plugin: 'mlp', options: { hidden: [16], chunk: CHUNK } },
  },
  'concat + mlp + state-mlp': {
    vision: { plugin: 'test-vision', options: { imageSize: IMAGE, patchSize: 4, dim: 8 } },
    language: { plugin: 'test-language', options: { maxLength: TEXT, dim: 8 } },
    state: { plugin: 'state-mlp', options: { hidden: [8], dim: 8 } },
    fusion: { plugin: 'concat', options: { dim: 16 } },
    decoder: { plugin: 'mlp', options: { hidden: [16], chunk: CHUNK } },
  },
  'concat + gru (fused step input)': {
    vision: { plugin: 'test-vision', options: { imageSize: IMAGE, patchSize: 4, dim: 8 } },
    language: { plugin: 'test-language', options: { maxLength: TEXT, dim: 8 } },
    fusion: { plugin: 'concat', options: { dim: 16, activation: 'relu' } },
    decoder: { plugin: 'gru', options: { hidden: 16, chunk: CHUNK, stepInput: 'fused' } },
  },
} as const;

export function buildFamilyPipeline(
  registry: StageRegistry,
  stages: Record<string, { plugin: string; options?: object; trainable?: boolean }>,
  seed = 1,
): Pipeline {
  return buildPipeline({ stages }, registry, { seed });
}

/** One stage of each plugin (and mode) of the family, with explicit widths. */
export const stageCases: Array<{ name: string; plugin: string; options: object }> = [
  {
    name: 'cross-attention (language queries, state)',
    plugin: 'cross-attention',
    options: { visionDim: 6, languageDim: 5, stateDim: 3, dim: 8, heads: 2 },
  },
  {
    name: 'cross-attention (vision queries, masked keys)',
    plugin: 'cross-attention',
    options: { visionDim: 6, languageDim: 5, dim: 8, heads: 2, query: 'vision' },
  },
  { name: 'concat', plugin: 'concat', options: { visionDim: 6, languageDim: 5, stateDim: 3, dim: 8 } },
  { name: 'gru', plugin: 'gru', options: { fusedDim: 8, hidden: 6, chunk: 3, queryDim: 4 } },
  {
    name: 'gru (fused step input)',
    plugin: 'gru',
    options: { fusedDim: 8, hidden: 6, chunk: 3, stepInput: 'fused' },
  },
  { name: 'mlp', plugin: 'mlp', options: { fusedDim: 8, hidden: [12, 10], chunk: 3 } },
  { name: 'state-mlp', plugin: 'state-mlp', options: { stateDim: 3, hidden: [8], dim: 6 } },
];
