import * as tf from '@tensorflow/tfjs';
import { VlakitError } from '@vlakit/core';
import { describe, expect, it } from 'vitest';
import {
  buildFamilyPipeline,
  CHUNK,
  familyRegistry,
  fixedBatch,
  stageSets,
  trainSteps,
  vlaLoss,
} from './test-pipeline.js';

const registry = familyRegistry();

describe('integration: test encoders + this family of fusions and decoders, via buildPipeline', () => {
  it('lists every plugin of the family beside the test stages', () => {
    expect(registry.ids()).toEqual(
      expect.arrayContaining(['cross-attention', 'concat', 'gru', 'mlp', 'state-mlp', 'test-vision']),
    );
  });

  it.each(Object.keys(stageSets))('%s: gradients reach every stage and Adam lowers the loss', (name) => {
    const stages = stageSets[name as keyof typeof stageSets];
    const pipeline = buildFamilyPipeline(registry, stages);
    const batch = fixedBatch(8);
    expect(pipeline.inputs.map((i) => i.name).sort()).toEqual(
      'state' in stages ? ['image', 'mask', 'state', 'tokenIds'] : ['image', 'mask', 'tokenIds'],
    );

    // one backward pass: every trainable variable of every stage gets a non-zero gradient,
    // except embedding rows of tokens that are not in the batch
    const vars = pipeline.trainableVariables();
    const { value, grads } = tf.variableGrads(() => vlaLoss(pipeline, batch), [...vars.values()]);
    value.dispose();
    for (const [varName, v] of vars) {
      if (varName === 'language/embedding') continue;
      const g = grads[v.name]!;
      expect(
        g.dataSync().some((x) => x !== 0),
        `gradient of ${varName}`,
      ).toBe(true);
    }
    tf.dispose(Object.values(grads));

    const before = tf.memory().numTensors;
    const losses = trainSteps(pipeline, batch, 20);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.6);
    // optimizer state is disposed with it: nothing left behind by training
    expect(tf.memory().numTensors).toBe(before);

    const feeds = { image: batch['image']!, tokenIds: batch['tokenIds']!, mask: batch['mask']! };
    if ('state' in stages) Object.assign(feeds, { state: batch['state']! });
    const out = pipeline.forward(feeds);
    expect(out['actions']!.shape).toEqual([8, CHUNK, 2]);
    expect(out['done']!.shape).toEqual([8, 1]);
    tf.dispose([out, batch]);
    pipeline.dispose();
  });

  it('returns the cross-attention maps as inspections of the run', () => {
    const pipeline = buildFamilyPipeline(registry, stageSets['cross-attention + gru + state-mlp']);
    const batch = fixedBatch(2);
    const { outputs, inspections } = pipeline.run(
      { image: batch['image']!, tokenIds: batch['tokenIds']!, mask: batch['mask']!, state: batch['state']! },
      { inspect: true },
    );
    const attention = inspections!['fusion']!['attention']!;
    // 2 heads, 6 language queries, 4 vision tokens + 1 state token
    expect(attention.shape).toEqual([2, 2, 6, 5]);
    tf.dispose([outputs, attention, batch]);
    pipeline.dispose();
  });

  it('reports a width set in options that disagrees with the graph, naming both sides', () => {
    let caught: unknown;
    try {
      buildFamilyPipeline(registry, {
        ...stageSets['concat + mlp + state-mlp'],
        fusion: { plugin: 'concat', options: { visionDim: 12 } },
      });
    } catch (e) {
      caught = e;
    }
    expect(VlakitError.isInstance(caught, 'shape')).toBe(true);
    expect((caught as Error).message).toContain("stage 'vision' output 'tokens'");
    expect((caught as Error).message).toContain("stage 'fusion' input 'vision'");
  });
});
