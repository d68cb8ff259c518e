import * as tf from '@tensorflow/tfjs';
import { createVlakitContainer, memoryLogger, StageRegistry } from '../src/index.js';
import { testStagesModule } from '../src/testing/index.js';

export function testRegistry(): StageRegistry {
  const container = createVlakitContainer({ logger: memoryLogger() });
  container.load(testStagesModule);
  return StageRegistry.fromContainer(container);
}

export const defaultStages = {
  vision: { plugin: 'test-vision' },
  language: { plugin: 'test-language' },
  fusion: { plugin: 'test-fusion' },
  decoder: { plugin: 'test-decoder' },
};

export function feedsFor(batch: number) {
  return tf.tidy(() => ({
    image: tf.randomUniform([batch, 8, 8, 3], 0, 1, 'float32', 1),
    tokenIds: tf.tensor2d(
      Array.from({ length: batch * 6 }, (_, i) => 1 + (i % 5)),
      [batch, 6],
      'int32',
    ),
    mask: tf.tensor2d(
      Array.from({ length: batch * 6 }, (_, i) => (i % 6 < 4 ? 1 : 0)),
      [batch, 6],
    ),
  }));
}
