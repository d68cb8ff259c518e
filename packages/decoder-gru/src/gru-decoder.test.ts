import * as tf from '@tensorflow/tfjs';
import { createVlakitContainer, memoryLogger, port, StageRegistry, VlakitError } from '@vlakit/core';
import { describeStageConformance } from '@vlakit/core/testing';
import { describe, expect, it } from 'vitest';
import {
  containerModule,
  type GruDecoder,
  type GruDecoderOptions,
  GruDecoderPlugin,
  gruStep,
  manifest,
} from './index.js';

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

// ---- an independent reference: the ONNX GRU equations (linear_before_reset = 1) unrolled step by
// step in plain JS (float64), on the weights in the ONNX layout the decoder reports ----
type Matrix = number[][];
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const affine = (x: number[], kernel: Matrix, bias: number[]) =>
  bias.map((b, j) => b + x.reduce((s, xi, i) => s + xi * kernel[i]![j]!, 0));

function referenceDecoder(
  stage: GruDecoder,
  fused: Matrix,
  chunk: number,
): { actions: number[][][]; done: number[][] } {
  const m = (name: string) => stage.variables().get(name)!.arraySync() as Matrix;
  const v = (name: string) => stage.variables().get(name)!.arraySync() as unknown as number[];
  const { W, R, B, stepInput } = stage.gruOnnxWeights();
  const [, threeU, inputWidth] = W.dims;
  const u = threeU / 3;
  const queries = stepInput === 'fused' ? [] : m('queries');
  // row j of gate block g of W (3U, I) / R (3U, U) dotted with a vector
  const dot = (mat: Float32Array, width: number, row: number, x: number[]) => {
    let s = 0;
    for (let k = 0; k < width; k++) s += mat[row * width + k]! * x[k]!;
    return s;
  };
  const actions = fused.map((f) => {
    let h = affine(f, m('init/kernel'), v('init/bias')).map(Math.tanh);
    const out: number[][] = [];
    for (let t = 0; t < chunk; t++) {
      const x = stepInput === 'queries' ? queries[t]! : stepInput === 'fused' ? f : [...queries[t]!, ...f];
      expect(x.length).toBe(inputWidth);
      const next: number[] = [];
      for (let j = 0; j < u; j++) {
        const z = sigmoid(
          dot(W.data, inputWidth, j, x) + dot(R.data, u, j, h) + B.data[j]! + B.data[3 * u + j]!,
        );
        const r = sigmoid(
          dot(W.data, inputWidth, u + j, x) + dot(R.data, u, u + j, h) + B.data[u + j]! + B.data[4 * u + j]!,
        );
        const n = Math.tanh(
          dot(W.data, inputWidth, 2 * u + j, x) +
            B.data[2 * u + j]! +
            r * (dot(R.data, u, 2 * u + j, h) + B.data[5 * u + j]!),
        );
        next.push((1 - z) * n + z * h[j]!);
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
    // zero initial biases would hide a bias mix-up: give every bias a distinct value
    tf.tidy(() => {
      for (const [name, v] of stage.variables())
        if (name.endsWith('ias'))
          v.assign(tf.randomUniform(v.shape, -0.5, 0.5, 'float32', name.length + v.size));
    });
    const fused = tf.randomUniform([4, 12], -1, 1, 'float32', 3);
    const out = stage.forward({ fused });
    const ref = referenceDecoder(stage, fused.arraySync() as Matrix, 5);
    expect(out['actions']!.shape).toEqual([4, 5, 3]);
    expect(maxDiff(out['actions']!.arraySync(), ref.actions)).toBeLessThanOrEqual(1e-5);
    expect(maxDiff(out['done']!.arraySync(), ref.done)).toBeLessThanOrEqual(1e-5);
    tf.dispose([out, fused]);
    stage.dispose();
  });

  it('gruStep broadcasts a (1, U) input projection over the batch', () => {
    tf.tidy(() => {
      const u = 3;
      const gate = (seed: number, shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', seed);
      const w = {
        recurrentKernel: { z: gate(1, [u, u]), r: gate(2, [u, u]), h: gate(3, [u, u]) },
        recurrentBias: { z: gate(4, [u]), r: gate(5, [u]), h: gate(6, [u]) },
      };
      const xp = { z: gate(7, [1, u]), r: gate(8, [1, u]), h: gate(9, [1, u]) }; // (1, U) each
      const h = gate(10, [4, u]); // (B, U)
      const broadcast = gruStep(xp, h, w); // (B, U)
      const tile = (t: tf.Tensor) => tf.tile(t, [4, 1]);
      const tiled = gruStep({ z: tile(xp.z), r: tile(xp.r), h: tile(xp.h) }, h, w); // (B, U)
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
    });
    // the resolved config is itself valid options (a saved config recreates the same stage)
    const again = plugin.create(stage.config, { name: 'decoder', seed: 1, upstream: {} });
    expect(again.config).toEqual(stage.config);
    expect(stage.outputs.map((p) => [p.name, p.shape])).toEqual([
      ['actions', ['B', 8, 2]],
      ['done', ['B', 1]],
    ]);
    stage.build();
    const shape = (name: string) => stage.variables().get(name)!.shape;
    expect(shape('queries')).toEqual([8, 32]);
    expect(shape('gru/z/queryKernel')).toEqual([32, 128]);
    expect(shape('gru/r/fusedKernel')).toEqual([64, 128]);
    expect(shape('gru/h/recurrentKernel')).toEqual([128, 128]);
    const onnx = stage.gruOnnxWeights();
    expect([onnx.W.dims, onnx.R.dims, onnx.B.dims]).toEqual([
      [1, 384, 96],
      [1, 384, 128],
      [1, 768],
    ]);
    // W row (gate r, unit 5), input column 32 + 7 = fused row 7 of gru/r/fusedKernel
    expect(onnx.W.data[(128 + 5) * 96 + 32 + 7]).toBe(
      stage.variables().get('gru/r/fusedKernel')!.dataSync()[7 * 128 + 5],
    );
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

  it.each(['both', 'queries', 'fused'] as const)('a one-step chunk trains (step input %s)', (stepInput) => {
    const stage = create({ fusedDim: 4, hidden: 5, chunk: 1, queryDim: 3, stepInput });
    const fused = tf.randomUniform([3, 4], -1, 1, 'float32', 2);
    const vars = [...stage.variables().values()];
    const { value, grads } = tf.variableGrads(
      () => tf.tidy(() => tf.sum(tf.square(stage.forward({ fused })['actions']!)) as tf.Scalar),
      vars,
    );
    expect(value.shape).toEqual([]);
    // every GRU weight gets a gradient (done/* only feeds the done output)
    for (const [name, v] of stage.variables())
      if (!name.startsWith('done/'))
        expect(
          grads[v.name]!.dataSync().some((x) => x !== 0),
          name,
        ).toBe(true);
    tf.dispose([value, fused, Object.values(grads)]);
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
