import * as tf from '@tensorflow/tfjs';
import { buildPipeline, createVlakitContainer, memoryLogger, StageRegistry } from '@vlakit/core';
import { testStagesModule } from '@vlakit/core/testing';
import { describe, expect, it } from 'vitest';
import { containerModule, manifest } from './index.js';
import { testImage } from './test-helpers.js';

describe('vit plugin package', () => {
  it('exports a manifest and a ContainerModule; a pipeline with it trains end to end', () => {
    expect([manifest.id, manifest.kind, manifest.packageName]).toEqual([
      'vit',
      'VisionEncoder',
      '@vlakit/encoder-vit',
    ]);
    const container = createVlakitContainer({ logger: memoryLogger() });
    container.load(testStagesModule, containerModule);
    const registry = StageRegistry.fromContainer(container);
    const p = buildPipeline(
      {
        stages: {
          vision: { plugin: 'vit', options: { imageSize: 16, patchSize: 4, dim: 16, heads: 2 } },
          language: { plugin: 'test-language' },
          fusion: { plugin: 'test-fusion' },
          decoder: { plugin: 'test-decoder' },
        },
      },
      registry,
    );
    p.build();
    expect(p.stage('fusion').inputs.find((x) => x.name === 'vision')!.shape).toEqual(['B', 'N', 16]);
    const image = testImage(2, 16);
    const tokenIds = tf.tensor2d([1, 2, 3, 0, 0, 0, 3, 2, 1, 2, 0, 0], [2, 6], 'int32');
    const mask = tf.tensor2d([1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0], [2, 6]);
    const vars = [...p.stage('vision').variables().values()];
    const { value, grads } = tf.variableGrads(
      () => tf.tidy(() => tf.sum(tf.square(p.forward({ image, tokenIds, mask })['actions']!)) as tf.Scalar),
      vars,
    );
    expect(Object.keys(grads)).toHaveLength(vars.length);
    tf.dispose([value, image, tokenIds, mask, ...Object.values(grads)]);
    p.dispose();
  });
});
