import * as tf from '@tensorflow/tfjs';
import { createVlakitContainer, memoryLogger, StageRegistry, VlakitError } from '@vlakit/core';
import { describeStageConformance } from '@vlakit/core/testing';
import { describe, expect, it } from 'vitest';
import { containerModule, manifest, type StateMlpOptions, StateMlpPlugin } from './index.js';

const plugin = new StateMlpPlugin(memoryLogger());
const create = (options: StateMlpOptions, seed = 1) => {
  const stage = plugin.create(options, { name: 'state', seed, upstream: {} });
  stage.build();
  return stage;
};

describeStageConformance('state-mlp (gelu)', {
  create: (seed) =>
    plugin.create({ stateDim: 3, hidden: [8], dim: 6 }, { name: 'state', seed, upstream: {} }),
});
describeStageConformance('state-mlp (relu, two layers)', {
  create: (seed) =>
    plugin.create(
      { stateDim: 2, hidden: [8, 5], dim: 4, activation: 'relu' },
      { name: 'state', seed, upstream: {} },
    ),
});

describe('state-mlp encoder', () => {
  it('defaults: state 2 -> [64] -> one token of width 64', () => {
    const stage = create({});
    expect(stage.config).toEqual({ stateDim: 2, hidden: [64], dim: 64, activation: 'gelu' });
    expect(stage.inputs[0]!.shape).toEqual(['B', 2]);
    // the resolved config is itself valid options (a saved config recreates the same stage)
    expect(plugin.create(stage.config, { name: 'state', seed: 1, upstream: {} }).config).toEqual(
      stage.config,
    );
    expect(stage.outputs[0]!.shape).toEqual(['B', 1, 64]);
    const state = tf.tensor2d([
      [0.1, -0.2],
      [0.3, 0.4],
      [-0.5, 0],
    ]);
    const out = stage.forward({ state });
    expect(out['tokens']!.shape).toEqual([3, 1, 64]);
    tf.dispose([out, state]);
    stage.dispose();
  });

  it('matches a plain-JS forward pass from the same weights (relu)', () => {
    const stage = create({ stateDim: 3, hidden: [5], dim: 4, activation: 'relu' });
    tf.tidy(() => {
      for (const [name, v] of stage.variables())
        if (name.endsWith('bias')) v.assign(tf.randomUniform(v.shape, -0.5, 0.5, 'float32', name.length));
    });
    const state = tf.randomUniform([4, 3], -2, 2, 'float32', 8);
    const out = stage.forward({ state });
    const m = (name: string) => stage.variables().get(name)!.arraySync() as number[][];
    const v = (name: string) => stage.variables().get(name)!.arraySync() as unknown as number[];
    const affine = (x: number[], k: number[][], b: number[]) =>
      b.map((bj, j) => bj + x.reduce((s, xi, i) => s + xi * k[i]![j]!, 0));
    const tokens = out['tokens']!.arraySync() as number[][][];
    (state.arraySync() as number[][]).forEach((s, b) => {
      const h = affine(s, m('hidden0/kernel'), v('hidden0/bias')).map((x) => Math.max(0, x));
      const want = affine(h, m('output/kernel'), v('output/bias'));
      want.forEach((x, j) => expect(Math.abs(x - tokens[b]![0]![j]!)).toBeLessThan(1e-5));
    });
    tf.dispose([out, state]);
    stage.dispose();
  });

  it('rejects bad options, naming the field and the value', () => {
    const expectConfigError = (options: unknown, ...fragments: string[]) => {
      let caught: unknown;
      try {
        plugin.create(options, { name: 'state', seed: 1, upstream: {} });
      } catch (e) {
        caught = e;
      }
      expect(VlakitError.isInstance(caught, 'config'), String(caught)).toBe(true);
      for (const f of fragments) expect((caught as Error).message).toContain(f);
    };
    expectConfigError({ stateDim: 0 }, 'stateDim', '(0)');
    expectConfigError({ hidden: [32, -1] }, 'hidden.1', '(-1)');
    expectConfigError({ dim: '64' }, 'dim', '"64"');
    expectConfigError({ width: 64 }, 'width');
  });

  it('is bound by its container module under the StateEncoder kind', () => {
    const container = createVlakitContainer({ logger: memoryLogger() });
    container.load(containerModule);
    const registry = StageRegistry.fromContainer(container);
    expect(registry.ids()).toEqual(['state-mlp']);
    expect(registry.get('state-mlp').manifest).toBe(manifest);
    expect(manifest.kind).toBe('StateEncoder');
    expect(manifest.packageName).toBe('@vlakit/encoder-state');
  });
});
