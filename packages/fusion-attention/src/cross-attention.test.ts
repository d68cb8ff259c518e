import * as tf from '@tensorflow/tfjs';
import {
  createVlakitContainer,
  memoryLogger,
  port,
  type StageCreateContext,
  StageRegistry,
  type TensorMap,
  VlakitError,
} from '@vlakit/core';
import { describeStageConformance } from '@vlakit/core/testing';
import { describe, expect, it } from 'vitest';
import { type CrossAttentionOptions, CrossAttentionPlugin, containerModule, manifest } from './index.js';

const plugin = new CrossAttentionPlugin(memoryLogger());
const noUpstream: StageCreateContext['upstream'] = {};
const create = (options: CrossAttentionOptions, seed = 1, upstream = noUpstream) => {
  const stage = plugin.create(options, { name: 'fusion', seed, upstream });
  stage.build();
  return stage;
};

describeStageConformance('cross-attention (language queries)', {
  create: (seed) =>
    plugin.create({ visionDim: 6, languageDim: 5, dim: 8, heads: 2 }, { name: 'fusion', seed, upstream: {} }),
  symbols: { N: 4, L: 5 },
});
describeStageConformance('cross-attention (vision queries, state token)', {
  create: (seed) =>
    plugin.create(
      { visionDim: 6, languageDim: 5, stateDim: 3, dim: 8, heads: 2, query: 'vision', activation: 'relu' },
      { name: 'fusion', seed, upstream: {} },
    ),
  symbols: { N: 4, L: 5 },
});

/** Seeded feeds: vision (B, N, Dv), language (B, L, Dl), mask (B, L) with the given lengths. */
function feeds(lengths: number[], n = 4, l = 5, dv = 6, dl = 5, state?: number): TensorMap {
  const b = lengths.length;
  const mask = tf.tensor2d(
    lengths.flatMap((len) => Array.from({ length: l }, (_, i) => (i < len ? 1 : 0))),
    [b, l],
  );
  const out: TensorMap = {
    vision: tf.randomUniform([b, n, dv], -1, 1, 'float32', 11),
    language: tf.randomUniform([b, l, dl], -1, 1, 'float32', 12),
    languageMask: mask,
  };
  if (state !== undefined) out['state'] = tf.randomUniform([b, 1, state], -1, 1, 'float32', 13);
  return out;
}

/** The same feeds with every padded language token replaced by other values. */
function withPaddingChanged(f: TensorMap): TensorMap {
  return tf.tidy(() => {
    const mask = f['languageMask']!.expandDims(2); // (B, L, 1)
    const noise = tf.randomUniform(f['language']!.shape, 5, 9, 'float32', 99); // (B, L, Dl)
    return { ...f, language: f['language']!.mul(mask).add(noise.mul(tf.sub(1, mask))) }; // (B, L, Dl)
  });
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('cross-attention: attention maps', () => {
  it.each([
    ['language', undefined],
    ['language', 3],
    ['vision', undefined],
    ['vision', 3],
  ] as const)('rows sum to 1 over the keys (query %s, state %s)', (query, stateDim) => {
    const stage = create({ visionDim: 6, languageDim: 5, dim: 8, heads: 2, query, stateDim });
    const f = feeds([5, 3, 1], 4, 5, 6, 5, stateDim);
    const out = stage.forward(f, { inspect: true });
    const attention = out['attention']!; // (B, H, Lq, Lk)
    const lq = query === 'language' ? 5 : 4;
    const lk = (query === 'language' ? 4 : 5) + (stateDim ? 1 : 0);
    expect(attention.shape).toEqual([3, 2, lq, lk]);
    const sums = values(attention.sum(-1));
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    expect(values(attention).every((a) => a >= 0)).toBe(true);
    tf.dispose([out, f]);
    stage.dispose();
  });

  it('gives masked language keys exactly zero attention, and masked values change nothing', () => {
    const stage = create({ visionDim: 6, languageDim: 5, dim: 8, heads: 2, query: 'vision' });
    const lengths = [5, 3, 1];
    const f = feeds(lengths);
    const out = stage.forward(f, { inspect: true });
    const a = out['attention']!.arraySync() as number[][][][]; // (B, H, N, L)
    lengths.forEach((len, b) => {
      for (const head of a[b]!)
        for (const row of head) {
          for (let j = len; j < 5; j++) expect(row[j]).toBe(0);
          expect(row.slice(0, len).every((x) => x > 0)).toBe(true);
        }
    });
    const changed = withPaddingChanged(f);
    const out2 = stage.forward(changed, { inspect: true });
    expect(maxAbsDiff(out2['fused']!, out['fused']!)).toBe(0);
    expect(maxAbsDiff(out2['tokens']!, out['tokens']!)).toBe(0);
    // ... while a real token does change the result
    const real = tf.tidy(() => ({
      ...f,
      language: f['language']!.add(tf.oneHot([0], 5).reshape([1, 5, 1])),
    }));
    const out3 = stage.forward(real);
    expect(maxAbsDiff(out3['fused']!, out['fused']!)).toBeGreaterThan(1e-4);
    tf.dispose([out, out2, out3, f, changed, real['language']!]);
    stage.dispose();
  });

  it('lets a query with no valid key attend to nothing (vision queries, empty instruction)', () => {
    const stage = create({ visionDim: 6, languageDim: 5, dim: 8, heads: 2, query: 'vision' });
    const f = feeds([3, 0]);
    const out = stage.forward(f, { inspect: true });
    const a = out['attention']!.arraySync() as number[][][][]; // (B, H, N, L)
    for (const row of a[1]!.flat()) expect(row).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(out['fused']!.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([out, f]);
    stage.dispose();
  });

  it('keeps the state token a valid key when the language mask is padded (vision queries)', () => {
    const stage = create({ visionDim: 6, languageDim: 5, stateDim: 3, dim: 8, heads: 2, query: 'vision' });
    const f = feeds([2, 0], 4, 5, 6, 5, 3); // the second sample has no real instruction token
    const out = stage.forward(f, { inspect: true });
    const a = out['attention']!.arraySync() as number[][][][]; // (B, H, N, L + 1)
    for (const row of a[1]!.flat()) {
      expect(row.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
      expect(row[5]).toBeCloseTo(1, 6); // all attention on the state token
    }
    tf.dispose([out, f]);
    stage.dispose();
  });

  it('matches a plain-JS softmax(Q K^T / sqrt(dh)) computed from the same weights', () => {
    const dim = 8;
    const heads = 2;
    const dh = dim / heads;
    const stage = create({ visionDim: 6, languageDim: 5, dim, heads, query: 'vision' });
    const f = feeds([4, 2], 3, 4, 6, 5);
    const out = stage.forward(f, { inspect: true });
    const w = (name: string) => stage.variables().get(name)!.arraySync() as number[][];
    const b = (name: string) => stage.variables().get(name)!.arraySync() as unknown as number[];
    const dense = (x: number[], kernel: number[][], bias: number[]) =>
      bias.map((bj, j) => bj + x.reduce((s, xi, i) => s + xi * kernel[i]![j]!, 0));
    const vision = f['vision']!.arraySync() as number[][][];
    const language = f['language']!.arraySync() as number[][][];
    const mask = f['languageMask']!.arraySync() as number[][];
    const got = out['attention']!.arraySync() as number[][][][];
    let worst = 0;
    for (let s = 0; s < 2; s++) {
      const xs = vision[s]!.map((t) => dense(t, w('query/in/kernel'), b('query/in/bias')));
      const qs = xs.map((x) => dense(x, w('attention/query/kernel'), b('attention/query/bias')));
      const ks = language[s]!.map((t) => dense(t, w('attention/key/kernel'), b('attention/key/bias')));
      for (let h = 0; h < heads; h++)
        for (let i = 0; i < qs.length; i++) {
          const logits = ks.map((k, j) => {
            let dot = 0;
            for (let d = h * dh; d < (h + 1) * dh; d++) dot += qs[i]![d]! * k[d]!;
            return mask[s]![j] ? dot / Math.sqrt(dh) : Number.NEGATIVE_INFINITY;
          });
          const m = Math.max(...logits);
          const e = logits.map((x) => Math.exp(x - m));
          const z = e.reduce((p, q) => p + q, 0);
          e.forEach((x, j) => (worst = Math.max(worst, Math.abs(x / z - got[s]![h]![i]![j]!))));
        }
    }
    expect(worst).toBeLessThan(1e-5);
    tf.dispose([out, f]);
    stage.dispose();
  });

  it('is an inspection output: absent unless asked for', () => {
    const stage = create({ visionDim: 6, languageDim: 5, dim: 8, heads: 2 });
    expect(stage.outputs.find((p) => p.name === 'attention')!.inspection).toBe(true);
    const f = feeds([5, 2]);
    const out = stage.forward(f);
    expect(Object.keys(out).sort()).toEqual(['fused', 'tokens']);
    tf.dispose([out, f]);
    stage.dispose();
  });
});

describe('cross-attention: query side', () => {
  it('language queries: tokens (B, L, D), padded query tokens are zero and do not move fused', () => {
    const stage = create({ visionDim: 6, languageDim: 5, dim: 8, heads: 2, query: 'language' });
    expect(stage.outputs.find((p) => p.name === 'tokens')!.shape).toEqual(['B', 'L', 8]);
    expect(stage.outputs.find((p) => p.name === 'attention')!.shape).toEqual(['B', 2, 'L', 'N']);
    const f = feeds([5, 2]);
    const out = stage.forward(f);
    expect(out['tokens']!.shape).toEqual([2, 5, 8]);
    const tokens = out['tokens']!.arraySync() as number[][][];
    for (let j = 2; j < 5; j++) expect(tokens[1]![j]!.every((x) => x === 0)).toBe(true);
    // fused is the mean over the 2 real query tokens of sample 1
    const fused = out['fused']!.arraySync() as number[][];
    for (let d = 0; d < 8; d++)
      expect(fused[1]![d]).toBeCloseTo((tokens[1]![0]![d]! + tokens[1]![1]![d]!) / 2, 5);
    const changed = withPaddingChanged(f);
    const out2 = stage.forward(changed);
    expect(maxAbsDiff(out2['fused']!, out['fused']!)).toBe(0);
    tf.dispose([out, out2, f, changed]);
    stage.dispose();
  });

  it('vision queries: tokens (B, N, D), fused is their plain mean', () => {
    const stage = create({ visionDim: 6, languageDim: 5, dim: 8, heads: 2, query: 'vision' });
    expect(stage.outputs.find((p) => p.name === 'tokens')!.shape).toEqual(['B', 'N', 8]);
    expect(stage.outputs.find((p) => p.name === 'attention')!.shape).toEqual(['B', 2, 'N', 'L']);
    const f = feeds([5, 2]);
    const out = stage.forward(f);
    expect(out['tokens']!.shape).toEqual([2, 4, 8]);
    expect(maxAbsDiff(out['fused']!, out['tokens']!.mean(1))).toBeLessThan(1e-6);
    tf.dispose([out, f]);
    stage.dispose();
  });

  it('the two query sides give different fusions of the same inputs', () => {
    const a = create({ visionDim: 6, languageDim: 5, dim: 8, heads: 2, query: 'language' });
    const b = create({ visionDim: 6, languageDim: 5, dim: 8, heads: 2, query: 'vision' });
    const f = feeds([5, 3]);
    const oa = a.forward(f);
    const ob = b.forward(f);
    expect(maxAbsDiff(oa['fused']!, ob['fused']!)).toBeGreaterThan(1e-3);
    tf.dispose([oa, ob, f]);
    a.dispose();
    b.dispose();
  });

  it('uses the state token: a different state changes fused', () => {
    const stage = create({ visionDim: 6, languageDim: 5, stateDim: 2, dim: 8, heads: 2 });
    const f = feeds([5, 3], 4, 5, 6, 5, 2);
    const out = stage.forward(f);
    const f2 = { ...f, state: tf.tidy(() => f['state']!.add(0.5)) };
    const out2 = stage.forward(f2);
    expect(maxAbsDiff(out['fused']!, out2['fused']!)).toBeGreaterThan(1e-4);
    tf.dispose([out, out2, f, f2['state']!]);
    stage.dispose();
  });
});

describe('cross-attention: configuration', () => {
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

  it('rejects heads that do not divide dim, quoting both', () => {
    expectConfigError({ visionDim: 6, languageDim: 5, dim: 64, heads: 3 }, 'heads (3) must divide dim (64)');
  });
  it('rejects bad values and unknown options, naming the field and the value', () => {
    expectConfigError({ visionDim: 6, languageDim: 5, query: 'text' }, 'query', '"text"');
    expectConfigError({ visionDim: 6, languageDim: 5, dim: -4 }, 'dim', '-4');
    expectConfigError({ visionDim: 6, languageDim: 5, layerNormEpsilon: 0 }, 'layerNormEpsilon', '0');
    expectConfigError({ visionDim: 6, languageDim: 5, head: 4 }, 'head');
  });
  it('needs language tokens and a vision width', () => {
    expectConfigError({ visionDim: 6 }, 'needs language tokens', 'languageDim');
    expectConfigError({ languageDim: 6 }, 'vision tokens is unknown', 'visionDim');
  });

  it('takes input widths from the upstream ports and the defaults otherwise', () => {
    const upstream = {
      vision: port('tokens', ['B', 16, 12]),
      language: port('tokens', ['B', 6, 10]),
      languageMask: port('mask', ['B', 6]),
      state: port('tokens', ['B', 1, 7]),
    };
    const stage = plugin.create({}, { name: 'fusion', seed: 1, upstream });
    expect(stage.config).toMatchObject({
      visionDim: 12,
      languageDim: 10,
      stateDim: 7,
      dim: 64,
      heads: 4,
      ffnDim: 128,
      query: 'language',
      activation: 'gelu',
      layerNormEpsilon: 1e-5,
    });
    expect(stage.inputs.map((p) => [p.name, p.shape])).toEqual([
      ['vision', ['B', 'N', 12]],
      ['language', ['B', 'L', 10]],
      ['languageMask', ['B', 'L']],
      ['state', ['B', 1, 7]],
    ]);
    expect(stage.variables().size).toBe(0);
    // the resolved config is itself valid options (a saved config recreates the same stage)
    expect(plugin.create(stage.config, { name: 'fusion', seed: 1, upstream: {} }).config).toEqual(
      stage.config,
    );
  });

  it('is bound by its container module under the Fusion kind with the package manifest', () => {
    const container = createVlakitContainer({ logger: memoryLogger() });
    container.load(containerModule);
    const registry = StageRegistry.fromContainer(container);
    expect(registry.ids()).toEqual(['cross-attention']);
    const m = registry.get('cross-attention').manifest;
    expect(m).toBe(manifest);
    expect(m.kind).toBe('Fusion');
    expect(m.packageName).toBe('@vlakit/fusion-attention');
    expect(m.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
