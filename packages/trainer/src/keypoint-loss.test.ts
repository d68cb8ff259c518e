import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createVlakitContainer, memoryLogger, StageRegistry } from '@vlakit/core';
import { testStagesModule } from '@vlakit/core/testing';
import { containerModule as vitModule } from '@vlakit/encoder-vit';
import { describe, expect, it } from 'vitest';
import type { TrainingBatch } from './batch-source.js';
import { keypointLoss, keypointTargets } from './keypoint-loss.js';
import { SYNTHETIC_POSITIONS } from './synthetic-source.js';
import { tempDir, tinyConfig } from './test-helpers.js';
import { train } from './trainer.js';
import { type KeypointLossConfig, keypointLossSchema, parseTrainExperiment } from './training-config.js';

/** One sample of an 8x6 image whose feature holds (row value, column value) of two points. */
function batchWith(values: number[], shifts?: number[]): TrainingBatch {
  return {
    size: 1,
    images: new Float32Array(8 * 6 * 3),
    imageHeight: 8,
    imageWidth: 6,
    instructions: [''],
    states: new Float32Array(0),
    stateDim: 0,
    actions: new Float32Array(2),
    chunk: 1,
    actionDim: 2,
    actionMask: new Float32Array([1]),
    done: new Float32Array(1),
    auxiliary: { env: { dim: values.length, data: Float32Array.from(values) } },
    ...(shifts ? { shifts: Int32Array.from(shifts) } : {}),
  };
}

const cfg = (over: Partial<KeypointLossConfig> = {}): KeypointLossConfig =>
  keypointLossSchema.parse({
    feature: 'env',
    points: [
      [0, 1],
      [2, 3],
    ],
    rowRange: [0, 8],
    colRange: [0, 6],
    sigma: 0.5,
    ...over,
  });

/** (row, column) of the largest value of map p of sample 0. */
function peak(maps: Float32Array, p: number, h: number, w: number): [number, number] {
  const map = maps.subarray(p * h * w, (p + 1) * h * w);
  const i = map.indexOf(Math.max(...map));
  return [Math.floor(i / w), i % w];
}

describe('keypoint targets', () => {
  it('are distributions peaked at the mapped position, following the augmentation shift', () => {
    // point 0 at row 2.5, column 4.5 (pixel (2, 4)); point 1 at row 6.5, column 0.5
    const t = keypointTargets(batchWith([2.5, 4.5, 6.5, 0.5, 99]), cfg(), 8, 6);
    expect(t.points).toBe(2);
    for (let p = 0; p < 2; p++)
      expect(t.maps.subarray(p * 48, (p + 1) * 48).reduce((a, b) => a + b)).toBeCloseTo(1, 5);
    expect(peak(t.maps, 0, 8, 6)).toEqual([2, 4]);
    expect(peak(t.maps, 1, 8, 6)).toEqual([6, 0]);
    // the image content moved 1 row up and 2 columns right
    const moved = keypointTargets(batchWith([2.5, 2.5, 6.5, 0.5], [-1, 2]), cfg(), 8, 6);
    expect(peak(moved.maps, 0, 8, 6)).toEqual([1, 4]);
    // a map at half the image's resolution, with flipped ranges (values fall downwards)
    const half = keypointTargets(batchWith([5.5, 1.5, 0, 0]), cfg({ rowRange: [8, 0] }), 4, 3);
    expect(peak(half.maps, 0, 4, 3)).toEqual([1, 0]);
  });

  it('name the missing feature and out-of-range indices', () => {
    expect(() => keypointTargets(batchWith([1, 2]), cfg({ feature: 'nope' }), 8, 6)).toThrow(
      /reads "nope" but the batches carry no such feature/,
    );
    expect(() => keypointTargets(batchWith([1, 2, 3]), cfg(), 8, 6)).toThrow(
      /points index 3 is outside "env", which has 3 values per frame/,
    );
    expect(() => keypointLossSchema.parse({ points: [[0, 1]], rowRange: [1, 1], colRange: [0, 1] })).toThrow(
      /must differ/,
    );
  });

  it('the loss is KL + positionWeight x squared cell distance: zero at the target', () => {
    const t = keypointTargets(batchWith([2.5, 4.5, 6.5, 0.5]), cfg(), 8, 6);
    [0.5, -0.375, -5 / 6, 0.625].forEach((v, i) => expect(t.positions[i]).toBeCloseTo(v, 6)); // (u, v) per point
    const atTarget = tf.tensor4d(
      t.maps.map((v) => Math.log(v + 1e-30)),
      [1, 2, 8, 6],
    );
    const exact = tf.tensor3d(t.positions, [1, 2, 2]);
    const zero = keypointLoss(atTarget, exact, t, 0.1);
    expect(zero.loss.dataSync()[0]).toBeCloseTo(0, 4);
    expect(zero.error.dataSync()[0]).toBeCloseTo(0, 4);
    // point 0 one cell to the right (u + 2/6), point 1 two cells down (v + 4/8): mean distance 1.5,
    // mean squared distance 2.5
    const off = tf.tensor3d(
      [t.positions[0]! + 2 / 6, t.positions[1]!, t.positions[2]!, t.positions[3]! + 0.5],
      [1, 2, 2],
    );
    const moved = keypointLoss(atTarget, off, t, 0.1);
    expect(moved.error.dataSync()[0]).toBeCloseTo(1.5, 4);
    expect(moved.loss.dataSync()[0]).toBeCloseTo(0.25, 4);
    expect(moved.squaredDistance.dataSync()[0]).toBeCloseTo(2.5, 4);
    expect(moved.kl.dataSync()[0]).toBeCloseTo(0, 4);
    // 3 keypoints, the first 2 supervised, flat maps
    const flat = keypointLoss(tf.zeros([1, 3, 8, 6]), tf.zeros([1, 3, 2]), t, 0);
    expect(flat.loss.dataSync()[0]).toBeGreaterThan(1);
    expect(() => keypointLoss(tf.zeros([1, 1, 8, 6]), tf.zeros([1, 1, 2]), t, 0)).toThrow(
      /supervises 2 points but the stage has 1 keypoints/,
    );
    expect(() => keypointLoss(tf.zeros([1, 2, 8, 6]), tf.zeros([1, 2, 3]), t, 0)).toThrow(
      /keypoint positions have shape \[1,2,3\]; expected \[1, 2, 2\]/,
    );
  });

  it('refuses a tensor-side shift the targets would not follow', () => {
    const raw = { training: { augment: { shift: 2 }, keypointLoss: cfg() } };
    expect(() => parseTrainExperiment({ name: 'x', pipeline: tinyConfig().pipeline, ...raw })).toThrow(
      /augment.shift moves images but not keypoint targets/,
    );
  });
});

describe('training with keypoint supervision', () => {
  it('teaches a vit keypoint readout where the synthetic squares are, logged as keypoint_loss', async () => {
    const container = createVlakitContainer({ logger: memoryLogger() });
    container.load(testStagesModule, vitModule);
    const registry = StageRegistry.fromContainer(container);
    const s = 16;
    // synthetic positions are (x, y) in [0, 1] at pixel column x (S - 1), row y (S - 1):
    // continuous image coordinate v (S - 1) + 0.5, i.e. the range [-0.5 / (S - 1), (S - 0.5) / (S - 1)]
    const range = [-0.5 / (s - 1), (s - 0.5) / (s - 1)];
    const base = tinyConfig();
    const config = parseTrainExperiment({
      ...base,
      pipeline: {
        stages: {
          ...base.pipeline.stages,
          vision: {
            plugin: 'vit',
            options: {
              imageSize: s,
              patchSize: 4,
              dim: 8,
              heads: 2,
              depth: 1,
              keypoints: 4,
              keypointHidden: 8,
            },
          },
        },
      },
      data: { source: 'synthetic', imageSize: s, chunkLength: 2 },
      training: {
        ...base.training,
        steps: 60,
        batchSize: 8,
        learningRate: 0.05,
        schedule: { type: 'constant' },
        augment: { shift: 0, brightness: 0.1 },
        validateEvery: 30,
        checkpointEvery: 30,
        keypointLoss: {
          feature: SYNTHETIC_POSITIONS,
          points: [
            [1, 0],
            [3, 2],
            [5, 4],
          ],
          rowRange: range,
          colRange: range,
        },
      },
    });
    const dir = tempDir();
    const result = await train(config, { outDir: dir, registry });
    expect(result.step).toBe(60);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number>);
    const mean = (rows: Record<string, number>[]) =>
      rows.reduce((a, l) => a + l['keypoint_loss']!, 0) / rows.length;
    expect(lines[0]).toHaveProperty('keypoint_loss');
    expect(lines.at(-1)!['keypoint_error']).toBeLessThan(lines[0]!['keypoint_error']! * 0.5);
    expect(mean(lines.slice(-5))).toBeLessThan(mean(lines.slice(0, 5)) * 0.5);
    expect(lines.filter((r) => 'val_action_loss' in r).map((r) => r['step'])).toEqual([30, 60]);
    expect(lines.at(-1)!['val_keypoint_loss']).toBeGreaterThan(0);
    // the report shows the keypoints on validation frames
    expect(
      readFileSync(join(dir, 'report', 'keypoints-vision-0.png'))
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    // the total is action + 0.1 task + keypoint
    const l = lines.at(-1)!;
    expect(l['loss']).toBeCloseTo(l['action_loss']! + 0.1 * l['task_loss']! + l['keypoint_loss']!, 4);
  });
});
