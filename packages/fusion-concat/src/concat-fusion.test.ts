import * as tf from '@tensorflow/tfjs';
import {
  createVlakitContainer,
  memoryLogger,
  port,
  StageRegistry,
  type TensorMap,
  VlakitError,
} from '@vlakit/core';
import { describeStageConformance } from '@vlakit/core/testing';
import { describe, expect, it } from 'vitest';
import { type ConcatFusionOptions, ConcatFusionPlugin, containerModule, manifest } from './index.js';

const plugin = new ConcatFusionPlugin(memoryLogger());
const create = (options: ConcatFusionOptions, seed = 1) => {
  const stage = plugin.create(options, { name: 'fusion', seed, upstream: {} });
  stage.build();
  return stage;
};

describeStageConformance('concat (vision only)', {
  create: (seed) => plugin.create({ visionDim: 6, dim: 8 }, { name: 'fusion', seed, upstream: {} }),
  symbols: { N: 4 },
});
describeStageConformance('concat (vision + language + state, relu)', {
  create: (seed) =>
    plugin.create(
      { visionDim: 6, languageDim: 5, stateDim: 2, dim: 8, activation: 'relu' },
      { name: 'fusion', seed, upstream: {} },
    ),
  symbols: { N: 4, L: 5 },
});

function feeds(lengths: number[], withState = false): TensorMap {
  const b = lengths.length;
  const out: TensorMap = {
    vision: tf.randomUniform([b, 4, 6], -1, 1, 'float32', 1),
    language: tf.randomUniform([b, 5, 5], -1, 1, 'float32', 2),
    languageMask: tf.tensor2d(
      lengths.flatMap((len) => Array.from({ length: 5 }, (_, i) => (i < len ? 1 : 0))),
      [b, 5],
    ),
  };
  if (withState) out['state'] = tf.randomUniform([b, 1, 2], -1, 1, 'float32', 3);
  return out;
}

describe('concat fusion', () => {
  it('matches a plain-JS pool + concat + dense from the same weights', () => {
    const stage = create({ visionDim: 6, languageDim: 5, stateDim: 2, dim: 7, activation: 'relu' });
    tf.tidy(() =>
      stage
        .variables()
        .get('projection/bias')!
        .assign(tf.randomUniform([7], -0.3, 0.3, 'float32', 5)),
    );
    const f = feeds([5, 2, 1], true);
    const out = stage.forward(f);
    const kernel = stage.variables().get('projection/kernel')!.arraySync() as number[][];
    const bias = stage.variables().get('projection/bias')!.arraySync() as unknown as number[];
    const vision = f['vision']!.arraySync() as number[][][];
    const language = f['language']!.arraySync() as number[][][];
    const mask = f['languageMask']!.arraySync() as number[][];
    const state = f['state']!.arraySync() as number[][][];
    const fused = out['fused']!.arraySync() as number[][];
    for (let b = 0; b < 3; b++) {
      const pv = vision[b]![0]!.map((_, d) => vision[b]!.reduce((s, t) => s + t[d]!, 0) / 4);
      const n = mask[b]!.reduce((s, m) => s + m, 0);
      const pl = language[b]![0]!.map(
        (_, d) => language[b]!.reduce((s, t, i) => s + t[d]! * mask[b]![i]!, 0) / n,
      );
      const x = [...pv, ...pl, ...state[b]![0]!];
      bias.forEach((bj, j) => {
        const want = Math.max(0, bj + x.reduce((s, xi, i) => s + xi * kernel[i]![j]!, 0));
        expect(Math.abs(want - fused[b]![j]!)).toBeLessThan(1e-5);
      });
    }
    tf.dispose([out, f]);
    stage.dispose();
  });

  it('ignores padded language tokens (masked mean)', () => {
    const stage = create({ visionDim: 6, languageDim: 5, dim: 8 });
    const f = feeds([3, 1]);
    const out = stage.forward(f);
    const changed = tf.tidy(() => {
      const m = f['languageMask']!.expandDims(2); // (B, L, 1)
      return f['language']!.mul(m).add(tf.sub(1, m).mul(7)); // (B, L, Dl): padding set to 7
    });
    const out2 = stage.forward({ ...f, language: changed });
    expect(Array.from(out2['fused']!.dataSync())).toEqual(Array.from(out['fused']!.dataSync()));
    tf.dispose([out, out2, f, changed]);
    stage.dispose();
  });

  it('declares language and state inputs only when they are wired or set', () => {
    const visionOnly = plugin.create(
      {},
      { name: 'f', seed: 1, upstream: { vision: port('tokens', ['B', 16, 12]) } },
    );
    expect(visionOnly.inputs.map((p) => p.name)).toEqual(['vision']);
    const all = plugin.create(
      {},
      {
        name: 'f',
        seed: 1,
        upstream: {
          vision: port('tokens', ['B', 16, 12]),
          language: port('tokens', ['B', 6, 10]),
          languageMask: port('mask', ['B', 6]),
          state: port('tokens', ['B', 1, 4]),
        },
      },
    );
    expect(all.inputs.map((p) => [p.name, p.shape])).toEqual([
      ['vision', ['B', 'N', 12]],
      ['language', ['B', 'L', 10]],
      ['languageMask', ['B', 'L']],
      ['state', ['B', 1, 4]],
    ]);
    expect(all.config).toMatchObject({
      dim: 128,
      activation: 'gelu',
      visionDim: 12,
      languageDim: 10,
      stateDim: 4,
    });
    // the resolved config is itself valid options (a saved config recreates the same stage)
    expect(plugin.create(all.config, { name: 'f', seed: 1, upstream: {} }).config).toEqual(all.config);
    all.build();
    expect(all.variables().get('projection/kernel')!.shape).toEqual([26, 128]);
    all.dispose();
  });

  const expectConfigError = (options: unknown, ...fragments: string[]) => {
    let caught: unknown;
    try {
      plugin.create(options, { name: 'fusion', seed: 1, upstream: {} });
    } catch (e) {
      caught = e;
    }
    expect(VlakitError.isInstance(caught, 'config'), String(caught)).toBe(true);
    for (const f of fragments) expect((caught as Error).message).toContain(f);
  };

  it('rejects bad options and an unknown vision width', () => {
    expectConfigError({ visionDim: 6, dim: 0 }, 'dim', '(0)');
    expectConfigError({ visionDim: 6, activation: 'swish' }, 'activation', '"swish"');
    expectConfigError({ visionDim: 6, pool: 'max' }, 'pool');
    expectConfigError({}, 'vision tokens is unknown', 'visionDim');
  });

  it('is bound by its container module under the Fusion kind', () => {
    const container = createVlakitContainer({ logger: memoryLogger() });
    container.load(containerModule);
    const registry = StageRegistry.fromContainer(container);
    expect(registry.ids()).toEqual(['concat']);
    expect(registry.get('concat').manifest).toBe(manifest);
    expect(manifest.packageName).toBe('@vlakit/fusion-concat');
  });
});
