import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildPipeline, loadExperimentConfigFile } from '@vlakit/core';
import { describe, expect, it } from 'vitest';
import { configsDir, exampleConfigs, examplesRegistry } from './example-registry.js';

const instructions = ['push the red block to the blue cube', 'slide the star towards the top left corner'];

describe('example experiments: the same task with swapped stages', () => {
  const configs = exampleConfigs();

  it('ships at least three experiments that differ only in their stages', () => {
    expect(configs.length).toBeGreaterThanOrEqual(3);
    const plugins = configs.map((f) => {
      const c = loadExperimentConfigFile(join(configsDir, f));
      return Object.values(c.pipeline.stages)
        .map((s) => s.plugin)
        .join('+');
    });
    expect(new Set(plugins).size).toBe(configs.length);
  });

  it.each(configs)('%s builds, runs forward and trains every stage', async (file) => {
    const config = loadExperimentConfigFile(join(configsDir, file));
    const registry = await examplesRegistry(config.plugins);
    const before = tf.memory().numTensors;
    const pipeline = buildPipeline(config.pipeline, registry, { seed: config.seed });
    const tokenizer = pipeline.tokenizer()!;
    const { ids, mask, batch, length } = tokenizer.encode(instructions);
    const feeds: Record<string, tf.Tensor> = {
      image: tf.randomUniform([batch, 64, 64, 3], 0, 1, 'float32', 3),
      tokenIds: tf.tensor2d(ids, [batch, length], 'int32'),
      mask: tf.tensor2d(mask, [batch, length]),
    };
    if (pipeline.inputs.some((i) => i.name === 'state'))
      feeds['state'] = tf.tensor2d([0.3, 0.1, 0.4, -0.2], [2, 2]);
    const out = pipeline.forward(feeds);
    expect(out['actions']!.shape).toEqual([2, 8, 2]);
    expect(out['done']!.shape).toEqual([2, 1]);
    const vars = pipeline.trainableVariables();
    const { value, grads } = tf.variableGrads(() => {
      const o = pipeline.forward(feeds, { training: true });
      return tf.add(tf.mean(tf.square(o['actions']!)), tf.mean(o['done']!)) as tf.Scalar;
    }, [...vars.values()]);
    const stagesWithGradients = new Set<string>();
    tf.tidy(() => {
      for (const [name, v] of vars) {
        const g = grads[v.name];
        if (g && tf.any(tf.notEqual(g, 0)).dataSync()[0]) stagesWithGradients.add(name.split('/')[0]!);
      }
    });
    expect([...stagesWithGradients].sort()).toEqual([...pipeline.stages.keys()].sort());
    tf.dispose([out, value, grads, feeds]);
    pipeline.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
