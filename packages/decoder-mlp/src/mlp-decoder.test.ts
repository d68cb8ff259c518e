import * as tf from '@tensorflow/tfjs';
import {
  createVlakitContainer,
  geluErf as gelu,
  memoryLogger,
  port,
  StageRegistry,
  VlakitError,
} from '@vlakit/core';
import { describeStageConformance } from '@vlakit/core/testing';
import { describe, expect, it } from 'vitest';
import { containerModule, type MlpDecoderOptions, MlpDecoderPlugin, manifest } from './index.js';

const plugin = new MlpDecoderPlugin(memoryLogger());
const create = (options: MlpDecoderOptions, seed = 1) => {
  const stage = plugin.create(options, { name: 'decoder', seed, upstream: {} });
  stage.build();
  return stage;
};

describeStageConformance('mlp (gelu)', {
  create: (seed) =>
    plugin.create({ fusedDim: 8, hidden: [12, 10], chunk: 3 }, { name: 'decoder', seed, upstream: {} }),
});
describeStageConformance('mlp (relu, linear)', {
  create: (seed) =>
    plugin.create(
      { fusedDim: 8, hidden: [], chunk: 4, actionDim: 3, activation: 'relu' },
      { name: 'decoder', seed, upstream: {} },
    ),
});

/** erf by Abramowitz and Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return s * y;
}
const geluRef = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

describe('mlp decoder', () => {
  it('outputs actions (B, T, A) and done (B, 1) with the configured sizes', () => {
    for (const [chunk, actionDim, batch] of [
      [8, 2, 1],
      [5, 7, 4],
    ] as const) {
      const stage = create({ fusedDim: 6, chunk, actionDim, hidden: [16] });
      const fused = tf.randomUniform([batch, 6], -1, 1, 'float32', 2);
      const out = stage.forward({ fused });
      expect(out['actions']!.shape).toEqual([batch, chunk, actionDim]);
      expect(out['done']!.shape).toEqual([batch, 1]);
      tf.dispose([out, fused]);
      stage.dispose();
    }
  });

  it.each(['gelu', 'relu'] as const)(
    'matches a plain-JS forward pass from the same weights (%s)',
    (activation) => {
      const stage = create({ fusedDim: 5, hidden: [7, 4], chunk: 3, actionDim: 2, activation }, 9);
      tf.tidy(() => {
        for (const [name, v] of stage.variables())
          if (name.endsWith('bias')) v.assign(tf.randomUniform(v.shape, -0.5, 0.5, 'float32', name.length));
      });
      const fused = tf.randomUniform([3, 5], -2, 2, 'float32', 4);
      const out = stage.forward({ fused });
      const m = (name: string) => stage.variables().get(name)!.arraySync() as number[][];
      const v = (name: string) => stage.variables().get(name)!.arraySync() as unknown as number[];
      const affine = (x: number[], k: number[][], b: number[]) =>
        b.map((bj, j) => bj + x.reduce((s, xi, i) => s + xi * k[i]![j]!, 0));
      const act = activation === 'gelu' ? geluRef : (x: number) => Math.max(0, x);
      const actions = out['actions']!.arraySync() as number[][][];
      const done = out['done']!.arraySync() as number[][];
      (fused.arraySync() as number[][]).forEach((f, b) => {
        let h = f;
        for (let i = 0; i < 2; i++) h = affine(h, m(`hidden${i}/kernel`), v(`hidden${i}/bias`)).map(act);
        const flat = affine(h, m('actions/kernel'), v('actions/bias'));
        flat.forEach((x, j) =>
          expect(Math.abs(x - actions[b]![Math.floor(j / 2)]![j % 2]!)).toBeLessThan(1e-5),
        );
        expect(Math.abs(affine(h, m('done/kernel'), v('done/bias'))[0]! - done[b]![0]!)).toBeLessThan(1e-5);
      });
      tf.dispose([out, fused]);
      stage.dispose();
    },
  );

  it('uses the exact (erf) GELU', () => {
    const xs = [-3, -1.5, -0.3, 0, 0.2, 1, 2.5];
    const got = tf.tidy(() => Array.from(gelu(tf.tensor1d(xs)).dataSync()));
    xs.forEach((x, i) => expect(Math.abs(got[i]! - geluRef(x))).toBeLessThan(1e-6));
  });

  it('defaults: hidden [128, 128], chunk 8, actionDim 2, gelu, width from upstream', () => {
    const stage = plugin.create(
      {},
      { name: 'decoder', seed: 1, upstream: { fused: port('fused', ['B', 64]) } },
    );
    expect(stage.config).toMatchObject({
      hidden: [128, 128],
      chunk: 8,
      actionDim: 2,
      activation: 'gelu',
      fusedDim: 64,
    });
    expect(stage.inputs[0]!.shape).toEqual(['B', 64]);
    // the resolved config is itself valid options (a saved config recreates the same stage)
    expect(plugin.create(stage.config, { name: 'decoder', seed: 1, upstream: {} }).config).toEqual(
      stage.config,
    );
    expect(stage.outputs.map((p) => p.shape)).toEqual([
      ['B', 8, 2],
      ['B', 1],
    ]);
  });

  const expectConfigError = (options: unknown, ...fragments: string[]) => {
    let caught: unknown;
    try {
      plugin.create(options, { name: 'decoder', seed: 1, upstream: {} });
    } catch (e) {
      caught = e;
    }
    expect(VlakitError.isInstance(caught, 'config'), String(caught)).toBe(true);
    for (const f of fragments) expect((caught as Error).message).toContain(f);
  };

  it('rejects bad options, naming the field and the value', () => {
    expectConfigError({ fusedDim: 8, hidden: [64, 0] }, 'hidden.1', '(0)');
    expectConfigError({ fusedDim: 8, hidden: 64 }, 'hidden', '(64)');
    expectConfigError({ fusedDim: 8, activation: 'tanh' }, 'activation', '"tanh"');
    expectConfigError({ fusedDim: 8, layers: 2 }, 'layers');
    expectConfigError({}, "width of 'fused' is unknown", 'fusedDim');
  });

  it('is bound by its container module under the ActionDecoder kind', () => {
    const container = createVlakitContainer({ logger: memoryLogger() });
    container.load(containerModule);
    const registry = StageRegistry.fromContainer(container);
    expect(registry.ids()).toEqual(['mlp']);
    expect(registry.get('mlp').manifest).toBe(manifest);
    expect(manifest.packageName).toBe('@vlakit/decoder-mlp');
  });
});
