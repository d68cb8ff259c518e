import * as tf from '@tensorflow/tfjs';
import { buildPipeline, createVlakitContainer, memoryLogger, StageRegistry } from '@vlakit/core';
import { testStagesModule } from '@vlakit/core/testing';
import { describe, expect, it } from 'vitest';
import { containerModule, manifest } from './index.js';

describe('bert plugin package', () => {
  it('exports a manifest and a ContainerModule; a pipeline with it trains end to end', () => {
    expect([manifest.id, manifest.kind, manifest.packageName]).toEqual([
      'bert',
      'LanguageEncoder',
      '@vlakit/encoder-bert',
    ]);
    const container = createVlakitContainer({ logger: memoryLogger() });
    container.load(testStagesModule, containerModule);
    const registry = StageRegistry.fromContainer(container);
    const p = buildPipeline(
      {
        stages: {
          vision: { plugin: 'test-vision' },
          language: { plugin: 'bert', options: { dim: 16, heads: 2, maxLength: 8 } },
          fusion: { plugin: 'test-fusion' },
          decoder: { plugin: 'test-decoder' },
        },
      },
      registry,
    );
    p.build();
    expect(p.stage('fusion').inputs.find((x) => x.name === 'language')!.shape).toEqual(['B', 'L', 16]);
    expect(p.tokenizer()!.vocabSize).toBe(p.stage('language').config['vocabSize']);
    const image = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 1);
    const enc = p.tokenizer()!.encode(['push the red star', 'move the blue moon to the left']);
    const tokenIds = tf.tensor2d(enc.ids, [2, 8], 'int32');
    const mask = tf.tensor2d(enc.mask, [2, 8]);
    const vars = [...p.stage('language').variables().values()];
    const { value, grads } = tf.variableGrads(
      () => tf.tidy(() => tf.sum(tf.square(p.forward({ image, tokenIds, mask })['actions']!)) as tf.Scalar),
      vars,
    );
    expect(Object.keys(grads)).toHaveLength(vars.length);
    tf.dispose([value, image, tokenIds, mask, ...Object.values(grads)]);
    p.dispose();
  });
});
