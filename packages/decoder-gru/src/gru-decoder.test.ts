import * as tf from '@tensorflow/tfjs';
import { createVlakitContainer, memoryLogger, port, StageRegistry, VlakitError } from '@vlakit/core';
import { describeStageConformance } from '@vlakit/core/testing';
import { describe, expect, it } from 'vitest';
import { containerModule, type GruDecoderOptions, GruDecoderPlugin, gruStep, manifest } from './index.js';

const plugin = new GruDecoderPlugin(memoryLogger());
const create = (options: GruDecoderOptions, seed = 1) => {
  const stage = plugin.create(options, { name: 'decoder', seed, upstream: {} });
  stage.build();
  return stage;
};

for (const stepInput of ['both', 'queries', 'fused'] as const) {
  describeStageConformance(`gru (step input ${stepInput})`, {
    create: (seed) =>
      plugin.create(
        { fusedDim: 8, hidden: 6, chunk: 3, actionDim: 2, queryDim: 4, stepInput },
        { name: 'decoder', seed, upstream: {} },
      ),
  });
}

// ---- an independent reference: the GRU unrolled step by step in plain JS (float64) ----
type Matrix = number[][];
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const affine = (x: number[], kernel: Matrix, bias: number[]) =>
  bias.map((b, j) => b + x.reduce((s, xi, i) => s + xi * kernel[i]![j]!, 0));

function referenceDecoder(
  weights: ReadonlyMap<string, tf.Variable>,
  fused: Matrix,
  stepInput: 'queries' | 'fused' | 'both',
  chunk: number,
): { actions: number[][][]; done: number[][] } {
  const m = (name: string) => weights.get(name)!.arraySync() as Matrix;
  const v = (name: string) => weights.get(name)!.arraySync() as unknown as number[];
  const queries = stepInput === 'fused' ? [] : m('queries');
  const kernel = m('gru/kernel');
  const recurrent = m('gru/recurrentKernel');
  const bW = v('gru/inputBias');
  const bR = v('gru/recurrentBias');
  const units = recurrent.length;
  const actions = fused.map((f) => {
    let h = affine(f, m('init/kernel'), v('init/bias')).map(Math.tanh);
    const out: number[][] = [];
    for (let t = 0; t < chunk; t++) {
      const x = stepInput === 'queries' ? queries[t]! : stepInput === 'fused' ? f : [...queries[t]!, ...f];
      const xp = affine(x, kernel, bW);
      const hp = affine(h, recurrent, bR);
      const next: number[] = [];
      for (let u = 0; u < units; u++) {
        const z = sigmoid(xp[u]! + hp[u]!);
        const r = sigmoid(xp[units + u]! + hp[units + u]!);
        const n = Math.tanh(xp[2 * units + u]! + r * hp[2 * units + u]!);
        next.push(z * h[u]! + (1 - z) * n);
      }
      h = next;
      out.push(affine(h, m('head/kernel'), v('head/bias')));
    }
    return out;
  });
  const done = fused.map((f) => affine(f, m('done/kernel'), v('done/bias')));
  return { actions, done };
}

const maxDiff = (a: unknown, b: unknown): number => {
  const fa = (a as number[]).flat(3) as number[];
  const fb = (b as number[]).flat(3) as number[];
  expect(fa.length).toBe(fb.length);
  return Math.max(...fa.map((x, i) => Math.abs(x - fb[i]!)));
};

describe('gru decoder: against a step-by-step plain-JS reference', () => {
  it.each(['both', 'queries', 'fused'] as const)('step input %s: max abs diff <= 1e-5', (stepInput) => {
    const stage = create({ fusedDim: 12, hidden: 16, chunk: 5, actionDim: 3, queryDim: 6, stepInput }, 7);
    // bias-free initial weights would hide a bias mix-up: give every bias a distinct value
    tf.tidy(() => {
      for (const [name, v] of stage.variables())
        if (name.endsWith('ias')) v.assign(tf.randomUniform(v.shape, -0.5, 0.5, 'float32', name.length));
    });
    const fused = tf.randomUniform([4, 12], -1, 1, 'float32', 3);
    const out = stage.forward({ fused });
    const ref = referenceDecoder(stage.variables(), fused.arraySync() as Matrix, stepInput, 5);
    expect(out['actions']!.shape).toEqual([4, 5, 3]);
    expect(maxDiff(out['actions']!.arraySync(), ref.actions)).toBeLessThanOrEqual(1e-5);
    expect(maxDiff(out['done']!.arraySync(), ref.done)).toBeLessThanOrEqual(1e-5);
    tf.dispose([out, fused]);
    stage.dispose();
  });

  it('gruStep broadcasts a batch-1 input projection over the batch', () => {
    tf.tidy(() => {
      const u = 3;
      const w = {
        kernel: tf.randomNormal([2, 3 * u], 0, 1, 'float32', 1),
        recurrentKernel: tf.randomNormal([u, 3 * u], 0, 1, 'float32', 2),
        inputBias: tf.randomNormal([3 * u], 0, 1, 'float32', 3),
        recurrentBias: tf.randomNormal([3 * u], 0, 1, 'float32', 4),
      };
      const xp = tf.randomNormal([1, 3 * u], 0, 1, 'float32', 5); // (1, 3U)
      const h = tf.randomNormal([4, u], 0, 1, 'float32', 6); // (B, U)
      const broadcast = gruStep(xp, h, w); // (B, U)
      const tiled = gruStep(tf.tile(xp, [4, 1]), h, w); // (B, U)
      expect(broadcast.shape).toEqual([4, u]);
      expect(tf.max(tf.abs(broadcast.sub(tiled))).dataSync()[0]).toBe(0);
    });
  });
});

describe('gru decoder: outputs and configuration', () => {
  it('defaults: chunk 8, actionDim 2, hidden 128, both step inputs', () => {
    const stage = plugin.create(
      {},
      { name: 'decoder', seed: 1, upstream: { fused: port('fused', ['B', 64]) } },
    );
    expect(stage.config).toMatchObject({
      chunk: 8,
      actionDim: 2,
      hidden: 128,
      stepInput: 'both',
      queryDim: 32,
      fusedDim: 64,
      stepWidth: 96,
    });
    expect(stage.outputs.map((p) => [p.name, p.shape])).toEqual([
      ['actions', ['B', 8, 2]],
      ['done', ['B', 1]],
    ]);
    stage.build();
    expect(stage.variables().get('gru/kernel')!.shape).toEqual([96, 384]);
    expect(stage.variables().get('gru/recurrentKernel')!.shape).toEqual([128, 384]);
    const fused = tf.randomUniform([2, 64], -1, 1, 'float32', 1);
    const out = stage.forward({ fused });
    expect(out['actions']!.shape).toEqual([2, 8, 2]);
    expect(out['done']!.shape).toEqual([2, 1]);
    // the steps of a chunk differ (learned step queries + recurrence)
    const a = out['actions']!.arraySync() as number[][][];
    expect(Math.abs(a[0]![0]![0]! - a[0]![1]![0]!)).toBeGreaterThan(1e-6);
    tf.dispose([out, fused]);
    stage.dispose();
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
    expectConfigError({ fusedDim: 8, chunk: 0 }, 'chunk', '(0)');
    expectConfigError({ fusedDim: 8, hidden: 2.5 }, 'hidden', '2.5');
    expectConfigError({ fusedDim: 8, stepInput: 'tokens' }, 'stepInput', '"tokens"');
    expectConfigError({ fusedDim: 8, hiddenSize: 64 }, 'hiddenSize');
  });

  it('needs the fused width from upstream or options', () => {
    expectConfigError({}, "width of 'fused' is unknown", 'fusedDim');
  });

  it('is bound by its container module under the ActionDecoder kind', () => {
    const container = createVlakitContainer({ logger: memoryLogger() });
    container.load(containerModule);
    const registry = StageRegistry.fromContainer(container);
    expect(registry.ids()).toEqual(['gru']);
    expect(registry.get('gru').manifest).toBe(manifest);
    expect(manifest.kind).toBe('ActionDecoder');
    expect(manifest.packageName).toBe('@vlakit/decoder-gru');
  });
});
